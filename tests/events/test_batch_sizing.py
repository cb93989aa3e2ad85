"""A runner's batches stay as short as its transaction should be (it holds the relay back)."""

from redress.events.projection.sizing import BatchSizing


def test_a_slow_batch_sizes_the_next_to_fit_in_the_time():
    sizing = BatchSizing(most=500, seconds=0.5)
    sizing.limit = 400
    sizing.took(400, 4.0)
    assert sizing.limit == 50


def test_quick_full_batches_double_up_to_the_most():
    sizing = BatchSizing(most=500, seconds=0.5)
    assert sizing.limit == 50
    for expected in (100, 200, 400, 500, 500):
        sizing.took(sizing.limit, 0.1)
        assert sizing.limit == expected


def test_a_quick_batch_that_was_not_full_says_nothing_of_a_bigger_one():
    sizing = BatchSizing(most=500, seconds=0.5)
    sizing.took(3, 0.01)
    assert sizing.limit == 50


def test_a_batch_in_between_keeps_the_size():
    sizing = BatchSizing(most=500, seconds=0.5)
    sizing.took(50, 0.4)
    assert sizing.limit == 50


def test_never_less_than_one_event():
    sizing = BatchSizing(most=500, seconds=0.5)
    sizing.took(1, 60.0)
    assert sizing.limit == 1
