"""The dashboards' pages on the generated tenant, over real HTTP: who gets in (a login page
without a session, 404 for another initiative, 403 for the other role), and what a member
and an officer read, against the generator's own record (`truth.py`) or the figures' API."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import httpx
import pytest

from redress.kit.auth import signer_for
from redress.metrics.dashboards import last_closed_quarter
from redress.metrics.public_pages import country_names
from redress.metrics.releases.periods import period
from redress.metrics.tables import period_of
from redress.synth.plan import ACTION_DAYS, action_owner
from redress.synth.world import TIME_ZONE
from tests.metrics.conftest import START, TENANT, TIMEOUT
from tests.metrics.test_member_figures import of_member
from tests.metrics.truth import Truth

pytestmark = pytest.mark.timeout(TIMEOUT)
MEMBER, OTHER = "brand-north", "brand-east"
QUARTER = "2025-Q1"
COOKIE = "staff_token"


def bearer(site, roles, org=None, tenant=TENANT) -> str:
    return signer_for(site.generated.settings).issue("d-1", tenant, list(roles), org)


def client(site, roles=None, org=None, tenant=TENANT) -> httpx.AsyncClient:
    cookies = {COOKIE: bearer(site, roles, org, tenant)} if roles else {}
    return httpx.AsyncClient(base_url=site.base_url, cookies=cookies, timeout=300)


def total_row(html: str, table: str) -> list[str]:
    """The cells of a table's total row, as text."""
    found = re.search(rf'<caption id="t-{table}-1">.*?</table>', html, re.S)
    assert found, table
    row = re.search(r'<tr class="total">(.*?)</tr>', found.group(0), re.S)
    assert row, table
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                   row.group(1), re.S)]  # fmt: skip


def latest_moved(site, org: str, today: date) -> str:
    """The generator's latest quarter over in which a grievance of `org`'s moved."""
    zone = ZoneInfo(TIME_ZONE)
    mine = of_member(site.generated.recorded, org).grievances
    moved = {period_of("quarter", s.at.astimezone(zone).date()) for g in mine for s in g.steps}
    return max((q for q in moved if q.end <= today), key=lambda q: q.start).label


def open_now(recorded) -> set[str]:
    """The generator's grievances still open: every step it took is over."""
    return set(Truth(recorded, START, date(2999, 1, 1)).measures()["in_progress"])


async def test_without_a_session_a_browser_is_sent_to_log_in_and_then_to_its_page(figures_site):
    async with client(figures_site) as c:
        for path in (f"/dashboard/{TENANT}/member", f"/dashboard/{TENANT}/officer", "/dashboard"):
            got = await c.get(path)
            assert got.status_code == 303 and got.headers["location"] == "/dashboard/login", path
        form = await c.get("/dashboard/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        logged = await c.post("/dashboard/login", data={
            "csrf": csrf, "token": bearer(figures_site, ["member"], MEMBER)})  # fmt: skip
        assert logged.status_code == 303, logged.text
        home = await c.get("/dashboard")
        assert home.headers["location"] == f"/dashboard/{TENANT}/member"
        refused = await c.post("/dashboard/login", data={"csrf": csrf, "token": "not-a-token"})
        assert refused.status_code == 401
    async with client(figures_site, ["officer"]) as c:
        home = await c.get("/dashboard")
        assert home.headers["location"] == f"/dashboard/{TENANT}/officer"


async def test_each_reads_only_its_own_initiative_and_its_own_page(figures_site):
    member = f"/dashboard/{TENANT}/member?period={QUARTER}"
    cases = [
        (["member"], MEMBER, "other-msi", f"/dashboard/{TENANT}/member", 404),
        (["officer"], None, "other-msi", f"/dashboard/{TENANT}/officer", 404),
        (["member"], MEMBER, TENANT, "/dashboard/other-msi/member", 404),
        (["officer"], None, TENANT, member, 403),
        (["member"], MEMBER, TENANT, f"/dashboard/{TENANT}/officer", 403),
        (["member"], None, TENANT, member, 403),
        (["member"], "not-a-member", TENANT, member, 403),
        (["admin"], None, TENANT, member, 403),  # the dashboards are not an admin's
    ]
    for roles, org, tenant, path, status in cases:
        async with client(figures_site, roles, org, tenant) as c:
            got = await c.get(path)
        assert got.status_code == status, (roles, tenant, path, got.text[:300])
        assert got.headers["content-type"].startswith("text/html")
    # A refusal of the member page says why, in the reader's language (not "not right").
    async with client(figures_site, ["officer"]) as c:
        got = await c.get(member, headers={"accept-language": "bn"})
    assert got.status_code == 403 and 'lang="bn"' in got.text
    assert "আপনি এই পৃষ্ঠাটি দেখতে পারবেন না" in unescape(got.text)


async def test_a_member_page_shows_its_own_figures_true_and_protected(figures_site):
    recorded = figures_site.generated.recorded
    start = period(QUARTER)
    pages = {}
    for org in (MEMBER, OTHER):
        async with client(figures_site, ["member"], org) as c:
            got = await c.get(f"/dashboard/{TENANT}/member",
                              params={"period": QUARTER, "lang": "en"})  # fmt: skip
        assert got.status_code == 200, got.text[:500]
        pages[org] = got.text
    async with client(figures_site, ["member"], MEMBER) as c:
        refused = await c.get(f"/dashboard/{TENANT}/member",
                              params={"period": QUARTER, "lang": "bn", "by": "bogus"})  # fmt: skip
    assert refused.status_code == 422 and 'lang="bn"' in refused.text, refused.text[:500]
    for org, html in pages.items():
        truth = Truth(of_member(recorded, org), start.start, start.end + timedelta(days=1))
        measures = truth.measures()
        received, admitted = total_row(html, "received")
        assert received == str(len(measures["received"])), org
        assert admitted == str(len(measures["admissible"])), org
        assert "Compared with the initiative" in html and "<svg" in html
        # No referral, indicator or callback figure, and no count below k.
        assert "Signs of" not in html and "Referral" not in html and "Callback" not in html
        counted = [body for key, body in re.findall(
            r'<section aria-labelledby="s-([a-z_]+)">(.*?)</section>', html, re.S)
            if key not in ("time", "compared")]  # fmt: skip
        numbers = [int(n) for body in counted for n in re.findall(r"<td>(\d+)</td>", body)]
        assert len(numbers) > 20 and all(n == 0 or n >= 5 for n in numbers)
    assert total_row(pages[MEMBER], "received") != total_row(pages[OTHER], "received")


def case_member(g) -> str | None:
    """The member company of a grievance's case, as cases opens it: the member that filed
    it, else the site's only member (none at a site members share)."""
    if g.member_org:
        return g.member_org
    members = g.site.members if g.site else ()
    return members[0] if len(members) == 1 else None


async def test_a_member_page_counts_only_the_plan_actions_it_owns_as_the_generator_added_them(
    figures_site,
):
    """As `GET /v1/plan-actions` of cases lists them: not the actions of a case at a site it
    shares with another member (no member owns those), nor another member's."""
    today = datetime.now(UTC).astimezone(ZoneInfo(TIME_ZONE)).date()
    others = 0
    for org in (MEMBER, OTHER):
        recorded = of_member(figures_site.generated.recorded, org)
        still_open = open_now(recorded)
        opened: Counter[str] = Counter()
        overdue: Counter[str] = Counter()
        for g in recorded.grievances:
            if g.grievance_id not in still_open:
                continue
            pending = []
            for s in g.steps:
                if s.kind == "action" and action_owner(s.code) == "member_company":
                    pending.append(s)
                elif s.kind == "close" and s.code == "resolved":
                    pending = []  # closing as resolved has the plan's actions done first
            if case_member(g) != org:
                others += len(pending)  # shown to the member before: the check bites
                continue
            for s in pending:
                opened[s.code] += 1
                overdue[s.code] += s.at.date() + timedelta(days=ACTION_DAYS) < today
        assert sum(opened.values()) >= 5, "the member must own open actions to test anything"
        async with client(figures_site, ["member"], org) as c:
            got = await c.get(f"/dashboard/{TENANT}/member",
                              params={"period": QUARTER, "lang": "en"})  # fmt: skip
        assert got.status_code == 200
        assert total_row(got.text, "actions") == [str(sum(opened.values())),
                                                  str(sum(overdue.values()))], org  # fmt: skip
    assert others > 0, "no action of a shared site's case: nothing to leave out"


async def test_an_officer_page_draws_the_live_figures_the_api_gives(figures_site):
    async with client(figures_site, ["officer"]) as c:
        page = await c.get(f"/dashboard/{TENANT}/officer")
    async with httpx.AsyncClient(base_url=figures_site.base_url, timeout=120) as c:
        api = (await c.get("/v1/figures/officer", headers={
            "Authorization": f"Bearer {bearer(figures_site, ['officer'])}"})).json()  # fmt: skip
    assert page.status_code == 200, page.text[:500]
    html = page.text
    for key in ("queues", "overdue", "referrals_open", "callbacks_due"):
        total = re.search(rf'<td id="{key}-total">(\d+)</td>', html)
        if api[key]:
            assert total and int(total.group(1)) == sum(api[key].values()), key
        else:
            assert f'id="{key}-none"' in html, key
    assert sum(api["queues"].values()) > 0 and html.count("<svg") >= 2
    assert "Officer dashboard" in html and "Log out" in html
    # "Overdue" is said in full beside its figure: the cases console's filter counts more.
    means = re.search(r'<h2 id="s-overdue">[^<]*</h2>\s*<p id="overdue-means">([^<]+)</p>', html)
    assert means, "the overdue figure must say what it counts"
    assert "current stage was due before today" in unescape(means.group(1))
    assert "plan has an action past its due date" in unescape(means.group(1))
    # Countries by name, and the moment in the initiative's zone, as the console says them.
    names = country_names("en")
    for code in api["callbacks_due"]:
        assert f'<th scope="row">{names.get(code, code)}</th>' in html, code
    assert re.search(r"as it stands at \d{4}-\d\d-\d\d \d\d:\d\d Asia/Dhaka", html)


async def test_a_period_typed_as_people_type_it_opens_and_reads_left_to_right(figures_site):
    """ "2025-q1 ", "2025 Q1": the quarter, not a dead end; in Arabic the field and the
    hint's examples read left to right ("2025-Q1", not "Q1-2025", which would be refused)."""
    async with client(figures_site, ["member"], MEMBER) as c:
        typings = (QUARTER, f"{QUARTER.lower()} ", QUARTER.replace("-", " "))
        pages = [await c.get(f"/dashboard/{TENANT}/member", params={"period": t, "lang": "en"})
                 for t in typings]  # fmt: skip
        arabic = await c.get(
            f"/dashboard/{TENANT}/member", params={"period": QUARTER, "lang": "ar"}
        )
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert all(f'name="period" value="{QUARTER}"' in p.text for p in pages)
    assert arabic.status_code == 200
    assert re.search(r'<input id="period"[^>]*dir="ltr"', arabic.text)
    assert '<bdi dir="ltr">2025-Q1</bdi>' in arabic.text


def period_field(html: str) -> tuple[str, str]:
    """The period field's tag, and the text of the error beside it ("" when none)."""
    field = re.search(r'<input id="period"[^>]*>', html)
    assert field, html[:500]
    error = re.search(r'<p id="period-error" class="error">(.*?)</p>', html, re.S)
    return field.group(0), unescape(re.sub(r"<[^>]+>", "", error.group(1))) if error else ""


async def test_a_period_that_cannot_be_read_is_said_beside_the_field_which_keeps_it(figures_site):
    """Not a page saying the address is not right: the dashboard again, the field keeping
    what was typed, marked invalid, and saying what is wrong; the figures meanwhile are the
    latest quarter's that has the member's figures, and the breakdowns' links keep that
    quarter, not the typing."""
    today = datetime.now(UTC).astimezone(ZoneInfo(TIME_ZONE)).date()
    last = last_closed_quarter(today)
    shown = latest_moved(figures_site, MEMBER, today)
    said = {
        "2025-13": "This is not a period: type a year, a quarter or a month.",
        "last year": "This is not a period: type a year, a quarter or a month.",
        "2010": "There are no figures before 2011.",
        "2099": f"2099 is not over yet: figures are shown only for a period that has ended,"
        f" such as {last}.",
    }
    async with client(figures_site, ["member"], MEMBER) as c:
        for typed, says in said.items():
            got = await c.get(f"/dashboard/{TENANT}/member", params={"period": typed, "lang": "en"})
            assert got.status_code == 422, (typed, got.text[:300])
            assert "<h1>Your supply chain&#39;s figures</h1>" in got.text, typed
            field, error = period_field(got.text)
            assert f'value="{typed}"' in field and 'aria-invalid="true"' in field, field
            assert 'aria-describedby="period-error period-hint"' in field, field
            assert error == says, typed
            assert f"&amp;period={shown}&amp;by=" in got.text and f"period={typed}&" not in got.text
            assert total_row(got.text, "received"), typed  # the figures are there
        bengali = await c.get(
            f"/dashboard/{TENANT}/member", params={"period": "2099", "lang": "bn"}
        )
        good = await c.get(f"/dashboard/{TENANT}/member", params={"period": QUARTER, "lang": "en"})
    assert bengali.status_code == 422 and 'lang="bn"' in bengali.text
    assert period_field(bengali.text)[1].startswith("2099 এখনও শেষ হয়নি")
    assert '<bdi dir="ltr">2099</bdi>' in bengali.text
    field, error = period_field(good.text)
    assert good.status_code == 200 and error == "" and "aria-invalid" not in field


async def test_a_member_page_says_it_counts_its_own_sites_and_those_it_shares(figures_site):
    """It said "raised at a site it shares", which read as the shared sites alone."""
    async with client(figures_site, ["member"], MEMBER) as c:
        got = await c.get(f"/dashboard/{TENANT}/member", params={"period": QUARTER, "lang": "en"})
    assert got.status_code == 200
    assert (
        "Grievances your company filed, or raised at one of its sites (its own, and those it "
        "shares with other members), in Quarter 1 of 2025." in unescape(got.text)
    )


async def test_a_member_page_opens_on_the_latest_quarter_that_has_its_figures(figures_site):
    """The last closed quarter had none for the generated members (nor the demonstration's),
    and the page opened on it, empty; asked for, such a period says so and links the latest."""
    today = datetime.now(UTC).astimezone(ZoneInfo(TIME_ZONE)).date()
    latest = latest_moved(figures_site, MEMBER, today)
    last = last_closed_quarter(today)
    assert latest != last, "the last closed quarter must have no figures to test anything"
    async with client(figures_site, ["member"], MEMBER) as c:
        default = await c.get(f"/dashboard/{TENANT}/member", params={"lang": "en"})
        empty = await c.get(f"/dashboard/{TENANT}/member", params={"period": last, "lang": "en"})
    assert default.status_code == 200 and empty.status_code == 200
    assert f'value="{latest}"' in period_field(default.text)[0]
    assert 'id="none"' not in default.text
    note = re.search(r'<p class="notice" id="none">(.*?)</p>', empty.text, re.S)
    assert note, empty.text[:500]
    assert f'?lang=en&amp;period={latest}&amp;by=country"' in note.group(1)
    assert unescape(note.group(1)).startswith("Your company has no figures for Quarter ")


async def test_a_member_page_says_why_its_own_actions_are_withheld_and_where_it_sees_them(
    figures_site,
):
    async with client(figures_site, ["member"], MEMBER) as c:
        got = await c.get(f"/dashboard/{TENANT}/member", params={"period": QUARTER, "lang": "en"})
    said = re.search(r'<p id="actions-withheld">(.*?)</p>', got.text, re.S)
    assert said, got.text[:500]
    text = unescape(re.sub(r"<[^>]+>", "", said.group(1)))
    assert "Counts of your company's own actions from 1 to 4 are withheld too" in text
    assert "You see each of your actions, and when it is due, in the member console." in text


async def test_every_section_of_a_member_page_says_what_it_counts(figures_site):
    """The release's sections said what they count; the member's own two (its times beside
    the initiative's, its open actions) said nothing of which grievances or actions."""
    async with client(figures_site, ["member"], MEMBER) as c:
        got = await c.get(f"/dashboard/{TENANT}/member", params={"period": QUARTER, "lang": "en"})
    sections = dict(re.findall(r'<section aria-labelledby="s-([a-z_]+)">(.*?)</section>',
                               got.text, re.S))  # fmt: skip
    assert {"compared", "actions", "received"} <= set(sections)
    for key, body in sections.items():
        said = re.search(r'<h2 id="s-[a-z_]+">[^<]*</h2>\n<p class="says">([^<]+)</p>', body)
        assert said and said.group(1).endswith("."), key
    assert "beside the median of every grievance of the initiative" in unescape(
        sections["compared"]
    )
    assert "overdue ones are past their due date." in unescape(sections["actions"])
