"""The member dashboard as a page: what `member.dashboard` let through, drawn as the public
release pages draw a release (sections of charts and tables, `release_view`), with the plan
actions the member owns and its times beside the initiative's medians.

Only protected figures reach it: a withheld count is the word "withheld" in the table, the
chart and its text, exactly as on a public release page.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from fastapi import Request

from redress.kit import console
from redress.kit.i18n import LANGUAGES, digits
from redress.metrics import charts, labels, release_view
from redress.metrics.labels import N_
from redress.metrics.pages import Shelf, language, number, period_words, render
from redress.metrics.public_pages import country_names
from redress.metrics.release_view import TOTAL, Column, Count, Grid, Section, Tables
from redress.metrics.releases import periods
from redress.metrics.releases.periods import EARLIEST_YEAR, Period

NOT_A_PERIOD = N_("This is not a period: type a year, a quarter or a month.")
TOO_EARLY = N_("There are no figures before %(year)s.")
NOT_OVER = N_(
    "%(period)s is not over yet: figures are shown only for a period that has ended, such as"
    " %(last)s."
)
COMPARED = N_("Compared with the initiative")
ACTIONS = N_("Plan actions your company owns")
YOURS = N_("Your median days")
THEIRS = N_("The initiative's median days")
# What each of the member's own sections counts, in a sentence, as a release's sections say
# theirs (`labels.SAYS`): which grievances or actions, and when.
COMPARED_SAYS = N_(
    "Median days from receipt to each step for your supply chain's grievances that reached it"
    " in this period, beside the median of every grievance of the initiative that did."
)
ACTIONS_SAYS = N_(
    "Actions of open plans that your company is to carry out and has not yet done, by type of"
    " remedy; overdue ones are past their due date."
)


class PeriodRefused(Exception):
    """A period the reader typed that has no figures: the page says why beside the field,
    in the reader's language, and shows the last closed quarter meanwhile."""

    def __init__(self, typed: str, message: str, **values: str) -> None:
        super().__init__(message % values)
        self.typed, self.message, self.values = typed, message, values


def asked_period(typed: str, today: date, last: str) -> Period:
    """The closed period `typed` names, as a member types it ("2025-q1", "2025 Q1", a space
    left at the end); PeriodRefused otherwise. `last` is the last closed quarter."""
    label = "-".join(typed.upper().split())
    try:
        found = periods.period(label)
    except ValueError:
        raise PeriodRefused(typed, NOT_A_PERIOD) from None
    if found.year < EARLIEST_YEAR:
        raise PeriodRefused(typed, TOO_EARLY, year=str(EARLIEST_YEAR))
    if not found.closed_on(today):
        raise PeriodRefused(typed, NOT_OVER, period=found.label, last=last)
    return found


async def render_member(
    request: Request,
    tenant: str,
    settings: Any,
    shown: dict[str, Any],
    period: str,
    by: str,
    csrf_token: str,
    refused: PeriodRefused | None = None,
    elsewhere: str | None = None,  # the latest period with figures, when `period` has none
) -> str:
    shelf: Shelf = request.app.state.runtime.extras["figures"]
    offered = tuple(code for code in settings.languages if code in LANGUAGES) or tuple(LANGUAGES)
    lang = language(request, offered)
    if by not in labels.DIMENSIONS:
        by = "country"
    # Where the member sees its actions one by one: the cases service's member console.
    cases = console.peer_url(request, "cases")
    links = {"elsewhere": elsewhere, "console": f"{cases}/member#due" if cases else None}
    return await asyncio.to_thread(
        _render, shelf, tenant, settings.name, offered, lang, shown, period, by, csrf_token,
        refused, links,
    )  # fmt: skip


def _render(
    shelf: Shelf,
    tenant: str,
    name: str,
    offered: tuple[str, ...],
    lang: str,
    shown: dict[str, Any],
    period: str,
    by: str,
    csrf_token: str,
    refused: PeriodRefused | None,
    links: dict[str, str | None],
) -> str:
    _ = shelf.catalogues.get(lang).gettext
    countries = country_names(lang)

    def name_of(dim: str, value: str) -> str:
        if value == "unknown":
            return _(labels.UNKNOWN)
        if dim == "country":
            return countries.get(value, value)
        if dim == "language":
            return LANGUAGES.get(value, value)
        return _(labels.VALUES.get(dim, {}).get(value, "")) or value.replace("_", " ")

    sections, _parts = release_view.sections(shown, by, _, name_of)
    sections.insert(0, _compared(shown, _))
    actions = _actions(shown, _, name_of)
    for s in (*sections, actions):
        s.chart = (
            charts.svg(s.bars, _("withheld"), number=lambda v: number(v, lang)) if s.bars else ""
        )
    as_of = datetime.fromisoformat(shown["as_of"])
    return render(
        shelf,
        "dashboard_member.html",
        lang,
        name,
        offered,
        tenant=tenant,
        member=shown["member"],
        period=period,
        typed=refused.typed if refused else period,  # the field keeps what was typed
        period_error=_(refused.message) % refused.values if refused else "",
        period_name=period_words(period, lang, shelf),
        as_of=digits(format_date(as_of.date(), "long", locale=lang), lang),
        sections=sections,
        actions=actions,
        by=by,
        dimensions=labels.DIMENSIONS,
        k=shown["k"],
        number=lambda v: number(v, lang),
        total=TOTAL,
        csrf=csrf_token,
        elsewhere=links["elsewhere"],
        elsewhere_name=period_words(links["elsewhere"], lang, shelf) if links["elsewhere"] else "",
        console=links["console"],
    )


def _compared(shown: dict[str, Any], _: Any) -> Section:
    """The member's median days per step beside the initiative's."""
    mine: dict[str, Count] = {}
    theirs: dict[str, Count] = {}
    bars: list[tuple[str, Count]] = []
    for step, word in labels.STEPS.items():
        mine[step] = release_view.statistic(shown, f"time_to_{step}.country", "median_days").get(
            TOTAL
        )
        found = shown["initiative"].get(f"time_to_{step}")
        theirs[step] = None if found is None else found.get("median_days")
        bars += [(f"{_(word)}: {_(YOURS)}", mine[step]), (f"{_(word)}: {_(THEIRS)}", theirs[step])]
    columns = [Column(_(YOURS), mine, "days"), Column(_(THEIRS), theirs, "days")]
    rows = [(step, _(word)) for step, word in labels.STEPS.items()]
    grid = Grid(_(COMPARED), columns, rows)
    return Section("compared", _(COMPARED), [grid], bars, says=_(COMPARED_SAYS))


def _actions(shown: dict[str, Any], _: Any, name_of: Any) -> Section:
    """Open actions the member owns by remedy type, and how many of them are overdue."""
    t = Tables.of({"tables": shown["actions"], "statistics": []})
    open_ = t.column("actions.remedy", "remedy")
    overdue = t.column("actions.remedy", "remedy", ("state", "overdue"))
    columns = [Column(_("Open"), open_), Column(_("Overdue"), overdue)]
    values = sorted((name_of("remedy", v), v) for v in open_ if v != TOTAL)
    rows = [(v, label) for label, v in values] + [(TOTAL, _(labels.TOTAL))]
    bars = [(_("Open"), open_.get(TOTAL)), (_("Overdue"), overdue.get(TOTAL))]
    grid = Grid(_(ACTIONS), columns, rows)
    return Section("actions", _(ACTIONS), [grid], bars, says=_(ACTIONS_SAYS))
