"""Receipt guesses are throttled by client and by reference, in memory, without lockout; a
guess sent again (a reload of the page that refused it) costs no try."""

import re
from contextlib import asynccontextmanager

import httpx

from redress.intake.guards import ReceiptGuard
from tests.intake.conftest import TENANT
from tests.intake.test_web import file_report

WRONG = "1111 2222 3333 4444"


def wrong(n: int) -> str:
    """A different wrong secret each time: only a new guess counts."""
    return f"1111 2222 3333 {n:04d}"


@asynccontextmanager
async def client_at(intake, address: str):
    transport = httpx.ASGITransport(app=intake.app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def try_receipt(client, reference, secret, lang="en"):
    page = await client.get(f"/t/{TENANT}/status?lang={lang}")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    return await client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": reference, "secret": secret, "lang": lang},
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guard_of(intake) -> ReceiptGuard:
    return intake.app.state.runtime.extras["intake"].receipt_guard


async def test_one_client_cannot_use_up_another_clients_attempts(intake):
    guard_of(intake).clock = Clock()  # time stands still: the guesser stays slowed
    reference, secret = await file_report(intake)
    async with client_at(intake, "198.51.100.1") as guesser:
        for n in range(5):
            refused = await try_receipt(guesser, reference, wrong(n))
            assert refused.status_code == 401 and "do not match" in refused.text
        slowed = await try_receipt(guesser, reference, wrong(5), lang="ar")
        assert slowed.status_code == 429
        assert int(slowed.headers["retry-after"]) >= 1
        assert 'lang="ar" dir="rtl"' in slowed.text and 'role="alert"' in slowed.text
    async with client_at(intake, "198.51.100.2") as other:
        assert (await try_receipt(other, reference, WRONG)).status_code == 401
    async with client_at(intake, "198.51.100.3") as holder:
        opened = await try_receipt(holder, reference, secret)
        assert opened.status_code == 303


async def test_the_delay_grows_and_ends_and_the_holder_gets_in(intake):
    clock = Clock()
    guard_of(intake).clock = clock
    reference, secret = await file_report(intake)
    async with client_at(intake, "198.51.100.4") as worker:
        for n in range(5):
            assert (await try_receipt(worker, reference, wrong(n))).status_code == 401
        waits = []
        for n in range(5, 8):
            slowed = await try_receipt(worker, reference, wrong(n))
            assert slowed.status_code == 429
            waits.append(int(slowed.headers["retry-after"]))
            clock.now += waits[-1]
            assert (await try_receipt(worker, reference, wrong(n))).status_code == 401
        assert waits == [1, 2, 4]  # it doubles, so guessing is slow
        assert (await try_receipt(worker, reference, secret)).status_code == 429
        clock.now += 8
        assert (await try_receipt(worker, reference, secret)).status_code == 303


async def test_the_same_wrong_receipt_sent_again_costs_no_try(intake):
    """A worker who reloads the page that said the receipt was wrong sends the same form
    again: it is refused again, and counts once. A new guess still counts."""
    guard_of(intake).clock = Clock()
    reference, secret = await file_report(intake)
    async with client_at(intake, "198.51.100.7") as worker:
        for n in range(8):  # beyond the five free tries, were each counted
            typed = WRONG if n % 2 else WRONG.replace(" ", "")  # the same digits
            again = await try_receipt(worker, reference, typed)
            assert again.status_code == 401 and "do not match" in again.text
        for n in range(4):  # four new guesses: with the first, five
            assert (await try_receipt(worker, reference, wrong(n))).status_code == 401
        assert (await try_receipt(worker, reference, wrong(4))).status_code == 429
    async with client_at(intake, "198.51.100.8") as other:  # counted per client
        for n in range(5):
            assert (await try_receipt(other, reference, wrong(n))).status_code == 401
        assert (await try_receipt(other, reference, secret)).status_code == 429


async def test_guessers_from_many_places_slow_the_holder_for_a_minute_at_most(intake):
    clock = Clock()
    guard = guard_of(intake)
    guard.clock = clock
    guard.references.free = 6  # fewer guessers than in life, to keep the test short
    reference, secret = await file_report(intake)
    waits = []
    for n in range(13):  # guessers from ever new addresses, each waiting as told
        async with client_at(intake, f"203.0.113.{n}") as guesser:
            answer = await try_receipt(guesser, reference, WRONG)
            if answer.status_code == 429:
                waits.append(int(answer.headers["retry-after"]))
                clock.now += waits[-1]
                answer = await try_receipt(guesser, reference, WRONG)
            assert answer.status_code == 401
    assert max(waits) == 60  # the delay grew to its cap
    async with client_at(intake, "198.51.100.5") as holder:
        slowed = await try_receipt(holder, reference, secret)
        assert slowed.status_code == 429
        assert int(slowed.headers["retry-after"]) <= 60
        clock.now += int(slowed.headers["retry-after"])
        assert (await try_receipt(holder, reference, secret)).status_code == 303


async def test_guessing_unknown_references_writes_nothing(intake):
    async with intake.system.pool.acquire() as conn:
        assert await conn.fetchval("SELECT to_regclass('intake.receipt_guards')") is None
    before = await intake.events()
    async with client_at(intake, "198.51.100.6") as guesser:
        for n in range(3):
            answer = await try_receipt(guesser, f"R-XXXXXX{n}{n}", WRONG)
            assert answer.status_code == 401
    assert await intake.events() == before


def test_clients_are_known_by_a_keyed_hash_and_forgotten_within_an_hour():
    clock = Clock()
    guard = ReceiptGuard(clock=clock)
    client = guard.client("192.0.2.7")
    assert "192.0.2.7" not in client and client != ReceiptGuard().client("192.0.2.7")
    reference = ("acme", "R-UNKNOWN1")
    for n in range(8):
        guard.failed(client, reference, wrong(n))
    assert guard.wait(client, reference) > 0
    clock.now += 3600
    assert guard.wait(client, reference) == 0
    guard.wait(client, reference)
    guard.failed(client, reference, wrong(0))  # an hour on, the same guess counts again
    assert guard.references.entries[reference].failures == 1
    assert len(guard.tried.entries) == 1


def test_memory_is_bounded():
    guard = ReceiptGuard(max_entries=100)
    for n in range(1000):
        guard.failed(guard.client(f"10.0.{n // 256}.{n % 256}"), ("acme", f"R-{n}"), wrong(n))
        guard.wait("anyone", ("acme", "R-0"))
    assert len(guard.clients.entries) <= 101 and len(guard.references.entries) <= 101
    assert len(guard.tried.entries) <= 100
