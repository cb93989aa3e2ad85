"""Given a tenant's release stream, when a command, then events or a refusal: pure.

The stream holds the tenant's noise settings and every release it published; the minimum
count k is the tenant's (its tenant stream's `MinimumCountSet`), handed in with each release. A
release covers one closed period; it is protected (`redress.metrics.suppression`), noised
first if the tenant asks for differential privacy and its yearly budget allows, signed with
the tenant's Ed25519 key and frozen in `ReleasePublished`. A second release of a period is
a correction and must name the release in force that it corrects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from redress.events.application import Refused
from redress.events.catalogue.release import (
    DisclosureSettingsSet,
    ReleasePublished,
    ReleaseSignature,
)
from redress.events.envelope import EventData
from redress.kit.canonical import canonical
from redress.kit.signing import sign, signing_key_id
from redress.metrics import privacy
from redress.metrics.audit import Audited, unheard
from redress.metrics.disclosure import K_FLOOR, PublishedTable, Release
from redress.metrics.history import Earlier
from redress.metrics.releases import document
from redress.metrics.releases.periods import Period, figures_period
from redress.metrics.releases.periods import period as parse_period
from redress.metrics.suppression import protect


class ReleaseRefused(Refused):
    statuses = {"unknown-release": 404, "unknown-tenant": 404, "already-published": 409,
                "already-corrected": 409, "budget-exhausted": 409, "period-open": 409}  # fmt: skip
    default_status = 422


@dataclass(frozen=True)
class Published:
    release_id: str
    number: int
    period: str
    corrects: str | None
    epsilon: float | None
    corrected_by: str | None = None


@dataclass(frozen=True)
class Releases:
    epsilon: float | None = None
    yearly_budget: float | None = None
    releases: Mapping[str, Published] = field(default_factory=lambda: MappingProxyType({}))
    in_force: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Per period, the release that stands (the last correction)."""
    spent: Mapping[int, float] = field(default_factory=lambda: MappingProxyType({}))
    """Epsilon spent on the releases of each calendar year's periods."""
    shown: Mapping[str, tuple[PublishedTable, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """Per period, the tables of the release in force, as published."""
    last_published: datetime | None = None
    """When the latest release says it was published: no later number says an earlier time."""

    def remaining(self, year: int) -> float | None:
        if self.yearly_budget is None:
            return None
        return max(0.0, self.yearly_budget - self.spent.get(year, 0.0))


@dataclass(frozen=True)
class SetDisclosure:
    epsilon: float | None = None
    yearly_budget: float | None = None


@dataclass(frozen=True)
class PublishRelease:
    tenant: str
    release_id: str
    period: str
    figures: Release
    today: date
    """The tenant's local date when publishing: the period must be over by then."""
    published_at: datetime
    key: Ed25519PrivateKey
    k: int
    """The tenant's minimum count now, as its tenant stream says."""
    corrects: str | None = None
    noise: privacy.Noise = privacy.laplace
    audited: Audited = unheard
    """Told how far disclosure control is: the admin waits on a page that says so."""


Command = SetDisclosure | PublishRelease


def initial(stream: str) -> Releases:
    return Releases()


def evolve(state: Releases, event: EventData) -> Releases:
    match event:
        case DisclosureSettingsSet(epsilon=epsilon, yearly_budget=budget):
            return replace(state, epsilon=epsilon, yearly_budget=budget)
        case ReleasePublished():
            releases = dict(state.releases)
            if event.corrects is not None and event.corrects in releases:
                releases[event.corrects] = replace(
                    releases[event.corrects], corrected_by=event.release_id
                )
            releases[event.release_id] = Published(
                event.release_id, event.number, event.period, event.corrects, event.epsilon
            )
            year = parse_period(event.period).year
            spent = dict(state.spent) | {year: state.spent.get(year, 0.0) + (event.epsilon or 0)}
            published = json.loads(event.document)
            tables = document.tables_of(published)
            return replace(
                state,
                last_published=datetime.fromisoformat(published["published"]),
                releases=MappingProxyType(releases),
                in_force=MappingProxyType(dict(state.in_force) | {event.period: event.release_id}),
                spent=MappingProxyType(spent),
                shown=MappingProxyType(dict(state.shown) | {event.period: tables}),
            )
    return state


def decide(command: Command, state: Releases) -> list[EventData]:
    if isinstance(command, SetDisclosure):
        return _set(command, state)
    return _publish(command, state)


EPSILON_FLOOR = 0.001


def _set(command: SetDisclosure, state: Releases) -> list[EventData]:
    if command.epsilon is not None and command.epsilon < EPSILON_FLOOR:
        # Below it the noise's scale is so large (or, near zero, not even finite) that no
        # figure would say anything.
        raise ReleaseRefused("epsilon-too-low", f"epsilon must be at least {EPSILON_FLOOR}")
    if (command.epsilon is None) != (command.yearly_budget is None):
        raise ReleaseRefused(
            "budget-needed", "noise needs both an epsilon per release and a yearly budget"
        )
    if command.epsilon and command.yearly_budget and command.epsilon > command.yearly_budget:
        raise ReleaseRefused("budget-too-small", "one release would spend the whole budget")
    if (state.epsilon, state.yearly_budget) == (command.epsilon, command.yearly_budget):
        return []
    return [DisclosureSettingsSet(epsilon=command.epsilon, yearly_budget=command.yearly_budget)]


def closed_period(label: str, today: date) -> Period:
    """The period a release may cover on `today`: 422 `bad-period`, 409 `period-open`."""
    try:
        period = figures_period(label)
    except ValueError as exc:
        raise ReleaseRefused("bad-period", str(exc)) from None
    if not period.closed_on(today):
        raise ReleaseRefused(
            "period-open", f"{period.label} is not over yet: only closed periods are published"
        )
    return period


def _publish(command: PublishRelease, state: Releases) -> list[EventData]:
    period = closed_period(command.period, command.today)
    if command.k < K_FLOOR:
        raise ReleaseRefused("k-too-low", f"no release may show counts below {K_FLOOR}")
    if command.release_id in state.releases:
        raise ReleaseRefused("already-published", f"release {command.release_id} exists")
    publishable(state, period, command.corrects)
    noise = None
    figures = command.figures
    if state.epsilon is not None:
        sensitivity = privacy.sensitivity(figures)
        figures = privacy.privatise(figures, state.epsilon, command.noise)
        noise = {"mechanism": "discrete-laplace", "library": "opendp",
                 "epsilon": state.epsilon, "sensitivity": sensitivity,
                 "scale": privacy.scale(sensitivity, state.epsilon)}  # fmt: skip
    # A reader holds the year's other releases too: audit this one with them.
    earlier = [Earlier(label, tables) for label, tables in sorted(state.shown.items())
               if label[:4] == period.label[:4] and label != period.label]  # fmt: skip
    # A correction stays public beside the release it corrects: their differences too.
    corrected = state.shown.get(period.label, ()) if command.corrects else ()
    key_id = signing_key_id(command.key.public_key())
    number = len(state.releases) + 1
    body = document.build(
        tenant=command.tenant,
        release_id=command.release_id,
        number=number,
        period=period.label,
        # Two releases computed at once (each takes seconds) are numbered in the order they
        # are recorded; the time each says follows the same order.
        published_at=max(filter(None, (command.published_at, state.last_published))),
        corrects=command.corrects,
        figures=protect(figures, command.k, period.label, earlier, corrected, command.audited),
        noise=noise,
        key_id=key_id,
    )
    return [
        ReleasePublished(
            release_id=command.release_id,
            number=number,
            period=period.label,
            corrects=command.corrects,
            k=command.k,
            epsilon=state.epsilon,
            document=canonical(body).decode(),
            signature=ReleaseSignature(**sign(body, command.key)),
        )
    ]


def publishable(state: Releases, period: Period, corrects: str | None) -> None:
    """Refuse what the stream alone decides, before disclosure control's minute: a period
    published already, a correction of a release that is not the one in force, a spent
    budget. Publishing decides it again on the stream as it then is."""
    _check_correction(corrects, state, period.label)
    if state.epsilon is not None:
        left = state.remaining(period.year)
        if left is not None and state.epsilon > left + 1e-12:
            raise ReleaseRefused(
                "budget-exhausted",
                f"the privacy budget of {period.year} has {left:g} left; a release spends "
                f"{state.epsilon:g}",
            )


def _check_correction(corrects: str | None, state: Releases, label: str) -> None:
    if corrects is None:
        if label in state.in_force:
            release = state.releases[state.in_force[label]]
            raise ReleaseRefused(
                "already-published",
                f"{label} was published as release {release.number} ({release.release_id}): "
                "publish a correction naming it",
            )
        return
    earlier = state.releases.get(corrects)
    if earlier is None:
        raise ReleaseRefused("unknown-release", f"there is no release {corrects}")
    if earlier.period != label:
        raise ReleaseRefused(
            "wrong-period", f"release {corrects} is of {earlier.period}, not {label}"
        )
    if earlier.corrected_by is not None:
        raise ReleaseRefused(
            "already-corrected",
            f"release {corrects} was corrected by {earlier.corrected_by}: correct that",
        )
