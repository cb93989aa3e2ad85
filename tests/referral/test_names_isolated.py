"""Names people typed, in the English consoles, each isolated from the sentence around it:
inside a <bdi>, or an element of its own direction (dir=auto). Without it an Arabic partner's
name carries the words after it ("<name>: sent", "Retire <name>") into its right-to-left run,
and the sentence reads scrambled.

The pages are rendered from the consoles' own templates with only what each needs; anything
else a page would show is left out (a chainable undefined renders nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import ChainableUndefined, Environment

from redress.cases.console_render import CONSOLE as CASES
from redress.kit.auth import Principal
from redress.referral.console import CONSOLE as REFERRAL

NAME = "دار الأمان للإيواء"  # an Arabic partner's name
CONTACT = "مكتب الاستقبال، دكا"
AT = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "wbr"}  # fmt: skip
OFFICER = Principal(sub="officer-1", tenant="acme", roles=frozenset({"officer", "admin"}))


class Isolation(HTMLParser):
    """Where `typed` shows outside any isolating element (a bdi, or one with a dir), and the
    text boxes holding it without dir=auto. The document's title is the browser's, not the
    page's, and has no markup to isolate with."""

    def __init__(self, typed: str) -> None:
        super().__init__()
        self.typed, self.open, self.bare = typed, [], []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        holds = tag in ("input", "textarea") and self.typed in (named.get("value") or "")
        if holds and named.get("dir") != "auto":
            self.bare.append(f"<{tag} id={named.get('id')}> without dir=auto")
        if tag not in VOID:
            self.open.append((tag, "dir" in named))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.typed not in data:
            return
        if not any(tag in ("bdi", "title") or directed for tag, directed in self.open):
            self.bare.append(f"{data.strip()!r} in {[tag for tag, _ in self.open][-3:]}")


def bare(html: str, typed: str) -> list[str]:
    assert typed in html, "the page does not show the name: it tests nothing"
    found = Isolation(typed)
    found.feed(html)
    return found.bare


def render(env: Environment, name: str, **context: Any) -> str:
    # Undefined values render as nothing at any depth: each page gets only what it needs.
    lenient = env.overlay(undefined=ChainableUndefined)
    return lenient.get_template(name).render(principal=OFFICER, csrf="c", **context)


NOTICE = {"endpoint_id": "ep-1", "partner": NAME, "partner_id": "dar", "at": AT, "detail": "410"}
PART = {"partner_id": "dar", "partner_name": NAME, "partner_kind": "shelter", "status": "sent",
        "acknowledge_by": AT, "overdue": True, "services": ["shelter"], "fields": []}  # fmt: skip
PARTNER = SimpleNamespace(partner_id="dar", name=NAME, kind="shelter", countries=["BD"],
                          indicators=[], categories=[], languages=["ar"], services=["shelter"],
                          contact=CONTACT, retired=False)  # fmt: skip
REFERRAL_PAGES = {
    "queue.html": {
        "rows": [
            {
                "referral_id": "referral-1",
                "country": "BD",
                "reasons": [],
                "partners": [PART],
                "imminent_danger": False,
                "opened_at": AT,
            }
        ],
        "delivery_notices": [NOTICE],
        "f": {},
    },
    "partner.html": {
        "partner": PARTNER,
        "can_manage": True,
        "delivery_notices": [NOTICE],
        "value": lambda name, default: {"name": NAME, "contact": CONTACT}.get(name, default),
    },
    "referral.html": {
        "referral": {"referral_id": "referral-1", "imminent_danger": False, "must_not_learn": []},
        "parts": [PART],
        "can_manage": True,
        "services": ["shelter"],
        "shared": [],
        "choosable": [{"partner_id": "dar", "name": NAME, "kind": "shelter", "why": []}],
        "picked": lambda form, name: None,
        "kept": lambda form, name: None,
        "messages": {},
        "explanations": {},
        "timeline": [
            {
                "type": "ReferralSent",
                "time": AT,
                "actor": "officer",
                "actor_id": "officer-1",
                "details": {"partner": NAME, "basis": "consent"},
            }
        ],
    },
    "dead_letters.html": {
        "letters": [
            {
                "delivery_id": 1,
                "event_type": "referral.sent",
                "webhook_id": "msg_1",
                "partner_id": "dar",
                "endpoint_id": "ep-1",
                "referral_id": "referral-1",
                "attempts": 9,
                "last_status": 500,
                "held_back": 0,
                "settled_at": AT,
            }
        ],
        "names": {"dar": NAME},
        "endpoint_url": lambda partner, endpoint: "/console/x",
    },
    "endpoint.html": {
        "partner": PARTNER,
        "e": {"endpoint_id": "ep-1", "health": "healthy"},
        "words": {},
    },
    "partners.html": {
        "partners": [PARTNER],
        "can_manage": True,
        "typed": {},
        "value": lambda n, d: d,
    },
}


@pytest.mark.parametrize("page", sorted(REFERRAL_PAGES))
def test_a_partners_name_is_isolated_on_every_referral_console_page(page):
    html = render(REFERRAL.env, page, **REFERRAL_PAGES[page])
    assert bare(html, NAME) == []


def test_the_partners_contact_reads_in_its_own_direction():
    html = render(REFERRAL.env, "partner.html", **REFERRAL_PAGES["partner.html"])
    assert bare(html, CONTACT) == []


def test_the_case_timeline_isolates_the_partners_name_and_leaves_codes_as_words():
    entry = {"type": "ReferralSent", "time": AT, "actor": "officer", "actor_id": "officer-1",
             "details": {"partner": NAME, "basis": "consent", "services": ["shelter"]}}  # fmt: skip
    entries = CASES.env.get_template("_timeline.html").module.entries  # type: ignore[attr-defined]
    html = str(entries([entry], ("basis", "services"), "Asia/Dhaka"))
    assert bare(html, NAME) == []
    assert "Basis: Consent" in html and "Services: Shelter" in html  # codes need no isolation


def test_what_officers_typed_on_a_case_page_is_isolated():
    """The facilitator named, a response's reasons and an evidence file's name."""
    reasons, facilitator, file = "لا يوجد دليل كاف", "منظمة التيسير", "صورة العقد.pdf"
    html = render(
        CASES.env,
        "case.html",
        case={"case_id": "case-1", "facilitator": facilitator, "stage": "verify"},
        response={"level": "level_1", "involvement": "caused", "reasons": reasons},
        level_names={"level_1": "Level 1"},
        involvement_names={"caused": "Caused"},
        findings=[{"source": "officer", "text": "ok", "time": AT, "erased": False,
                   "evidence": [{"file_id": "f1", "name": file, "content_type": "application/pdf",
                                 "size": 2048, "erased": False, "inline": False}]}],
        can_assign=True,
    )  # fmt: skip
    for typed in (reasons, facilitator, file):
        assert bare(html, typed) == [], typed
