"""The in-memory throttle: buckets per client, Retry-After, forgetting, no raw addresses."""

from types import SimpleNamespace

from starlette.datastructures import Headers

from redress.kit.throttle import Throttle, client_address, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_hourly_rate_with_the_wait_to_retry():
    clock = Clock()
    throttle = Throttle(per_hour=6, burst=2, clock=clock)
    assert throttle.check("198.51.100.7") is None
    assert throttle.check("198.51.100.7") is None
    wait = throttle.check("198.51.100.7")
    assert wait is not None and 599 < wait <= 600  # one filing every ten minutes
    assert retry_after(wait) == {"Retry-After": "600"}
    assert throttle.check("198.51.100.8") is None  # another client has its own bucket
    clock.now += 600
    assert throttle.check("198.51.100.7") is None


def test_clients_are_held_as_keyed_hashes_and_forgotten_within_the_hour():
    clock = Clock()
    throttle = Throttle(per_hour=1, burst=5, clock=clock)  # full again only after 5 hours
    throttle.check("198.51.100.7")
    assert all(b"198.51.100.7" not in key for key in throttle._buckets)
    clock.now += 3539
    throttle.check("198.51.100.8")
    assert len(throttle) == 2
    clock.now += 2
    throttle.check("198.51.100.8")
    assert len(throttle) == 1


def test_clients_are_forgotten_without_further_traffic():
    clock = Clock()
    throttle = Throttle(per_hour=60, burst=10, clock=clock)  # full again after 10 minutes
    throttle.check("198.51.100.7")
    clock.now += 599
    throttle.forget()
    assert len(throttle) == 1
    clock.now += 2
    throttle.forget()
    assert len(throttle) == 0


def test_memory_is_bounded():
    throttle = Throttle(per_hour=10, burst=1, max_keys=100)
    for i in range(1000):
        throttle.check(f"10.0.{i // 256}.{i % 256}")
    assert len(throttle) <= 100


def test_forwarded_addresses_are_believed_from_trusted_proxies_only():
    def connection(peer: str, forwarded: str):
        return SimpleNamespace(
            client=SimpleNamespace(host=peer), headers=Headers({"x-forwarded-for": forwarded})
        )

    trusted = ("10.0.0.0/8",)
    assert client_address(connection("10.1.2.3", "198.51.100.7, 10.0.0.5"), trusted) == (
        "198.51.100.7"
    )
    assert client_address(connection("203.0.113.9", "198.51.100.7"), trusted) == "203.0.113.9"
    assert client_address(connection("10.1.2.3", "198.51.100.7")) == "10.1.2.3"
    assert client_address(connection("10.1.2.3", "junk"), trusted) == "junk"
