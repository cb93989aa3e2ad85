"""A catalogue's review state is read strictly: a claim of review says who and when."""

import datetime

import pytest

from redress.kit.i18n import Catalogues, Review, read_reviews


def test_reviews_are_read_with_their_dates(tmp_path):
    (tmp_path / "reviews.toml").write_text(
        '[en]\nstate = "source"\n\n[ta]\nstate = "needs-review"\ndrafted = 2026-12-03\n\n'
        '[fr]\nstate = "reviewed"\ndrafted = 2026-11-22\nreviewed = 2026-12-01\nby = "A union"\n'
    )
    reviews = read_reviews(tmp_path / "reviews.toml")
    assert reviews["ta"] == Review("needs-review", drafted=datetime.date(2026, 12, 3))
    assert reviews["fr"].by == "A union" and reviews["fr"].reviewed == datetime.date(2026, 12, 1)


@pytest.mark.parametrize(
    "table",
    ['state = "reviewed"\nby = "A union"', 'state = "checked"', 'state = "source"\nnote = "x"'],
)
def test_a_claim_without_its_evidence_or_an_unknown_field_is_refused(tmp_path, table):
    (tmp_path / "reviews.toml").write_text(f"[fr]\n{table}\n")
    with pytest.raises((ValueError, TypeError)):
        read_reviews(tmp_path / "reviews.toml")


def test_a_language_the_file_does_not_name_needs_review(tmp_path):
    (tmp_path / "reviews.toml").write_text('[en]\nstate = "source"\n')
    catalogues = Catalogues(tmp_path)
    assert catalogues.review("en").state == "source"
    assert catalogues.review("am") == Review("needs-review")
