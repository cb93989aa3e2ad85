"""The kit's staff console, without a server: its words for the log's, and where it finds the
other services' consoles to link to them (`REDRESS_PEER_URLS`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from redress.kit.console import Console, human, peer_url, short, when
from redress.kit.errors import Problem
from redress.kit.registry import PORTS
from redress.kit.settings import Settings


def test_moments_are_said_in_utc_whether_a_database_or_json_gave_them():
    dhaka = timezone(timedelta(hours=6))
    moment = datetime(2026, 3, 2, 15, 15, tzinfo=dhaka)
    assert when(moment) == "2026-03-02 09:15 UTC"
    assert when(moment.isoformat()) == "2026-03-02 09:15 UTC"
    assert when(date(2026, 3, 2)) == "2026-03-02"
    assert when("not a moment") == "not a moment" and when(None) == ""
    assert when(datetime(2026, 3, 2, 9, 15, tzinfo=UTC)) == "2026-03-02 09:15 UTC"


def test_ids_and_codes_read_as_words():
    assert short("referral-37c13664-aaaa-bbbb") == short("case-37c13664-aaaa") == "37c13664"
    assert human("awaiting_consent") == "Awaiting consent"
    assert human("ReferralAccepted") == "Referral accepted"
    assert human("ngo") == "NGO" and human("co_workers") == "Co-workers"
    assert human("sms") == "SMS" and human("smsc") == "Smsc"


def _request(settings: Settings, url: str = "http://127.0.0.1:8002/console/cases/x"):
    from starlette.datastructures import URL

    app = SimpleNamespace(state=SimpleNamespace(runtime=SimpleNamespace(settings=settings)))
    return SimpleNamespace(app=app, url=URL(url))


def test_peer_urls_name_each_service_and_dev_mode_knows_the_ports():
    given = Settings(dev=True, peer_urls={"referral": "https://referral.example.org/"},
                     _env_file=None)  # fmt: skip
    assert given.peer_urls == {"referral": "https://referral.example.org"}
    assert peer_url(_request(given), "referral") == "https://referral.example.org"
    assert peer_url(_request(given), "cases") == f"http://127.0.0.1:{PORTS['cases']}"
    production = Settings(oidc_issuer="https://idp.example.org", _env_file=None)
    assert peer_url(_request(production), "referral") is None  # no link rather than a guess
    for wrong in ("referral.example.org", "ftp://referral.example.org", "https://r.example?x=1"):
        with pytest.raises(ValidationError):
            Settings(dev=True, peer_urls={"referral": wrong}, _env_file=None)


def test_a_refusal_page_says_its_reason_as_a_sentence(tmp_path):
    console = Console(path="/console", title="cases", nav=[], back="Back", admits=lambda _: True,
                      refused="", forbidden="", csrf_key=lambda _: b"k" * 32,
                      templates=tmp_path)  # fmt: skip
    page = console.problem_page(Problem(403, "forbidden", "your roles (admin) do not allow it"))
    assert ">Your roles (admin) do not allow it.</p>" in page.body.decode()
    asked = console.problem_page(Problem(409, "x", "was it sent?"))
    assert ">Was it sent?</p>" in asked.body.decode()


def test_sign_in_at_the_provider_is_configured_with_its_issuer_and_audience():
    idp = "https://idp.example.org"
    assert not Settings(oidc_issuer=idp, _env_file=None).sign_in
    configured = Settings(oidc_issuer=idp, oidc_client_id="consoles", _env_file=None)
    assert configured.sign_in and configured.jwt_audience == "consoles"
    assert Settings(oidc_issuer=idp, oidc_client_id="c", jwt_audience="c", _env_file=None).sign_in
    for wrong in (
        {"oidc_client_id": "consoles"},  # no provider to discover
        {"oidc_issuer": idp, "oidc_client_id": "consoles", "jwt_audience": "redress"},
        {"oidc_issuer": idp, "oidc_client_secret": "s"},  # a secret of no client
        {"oidc_issuer": idp, "oidc_client_id": "consoles", "oidc_scope": "profile"},
    ):
        with pytest.raises(ValidationError):
            Settings(**wrong, _env_file=None)  # type: ignore[arg-type]
