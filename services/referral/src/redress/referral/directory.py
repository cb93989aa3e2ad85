"""A tenant's directory of referral partners, pure: decide(command, state) -> events.

Partners (State agencies, NGOs), what they handle and where, their webhook endpoints and the
secrets that sign for them, and how long a partner has to acknowledge a referral. A secret
is named by a random `secret_id` (the secret itself is derived from it, `secrets.py`); the
command (`directory_commands`) brings the id, and `now` for a rotation, so that deciding
reads no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from urllib.parse import urlsplit

from redress.events.application import Aggregate, Refused
from redress.events.catalogue.grievance import Category
from redress.events.catalogue.indicators import BY_CODE
from redress.events.catalogue.partner import (
    DEFAULT_ACKNOWLEDGE_HOURS,
    DeadLetterRedelivered,
    DeadLetterSkipped,
    PartnerRegistered,
    PartnerRetired,
    ReferralTimeFrameSet,
    WebhookEndpointAdded,
    WebhookEndpointEnabled,
    WebhookEndpointRemoved,
    WebhookSecretRotated,
)
from redress.events.envelope import EventData
from redress.kit.i18n import LANGUAGES
from redress.referral.directory_commands import (
    AddEndpoint,
    Command,
    EnableEndpoint,
    RedeliverDeadLetter,
    RegisterPartner,
    RemoveEndpoint,
    RetirePartner,
    RotateSecret,
    SetAcknowledgeHours,
    SkipDeadLetter,
)

MAX_ENDPOINTS = 5
MAX_OVERLAP = timedelta(days=7)
CATEGORIES = frozenset(c.value for c in Category)


class DirectoryRefused(Refused):
    statuses = {"unknown-partner": 404, "unknown-endpoint": 404, "partner-retired": 409,
                "too-many-endpoints": 409, "endpoint-exists": 409, "unknown-delivery": 404,
                "not-dead": 409, "endpoint-enabled": 409, "deliveries-waiting": 409}  # fmt: skip
    default_status = 422


@dataclass(frozen=True)
class SecretVersion:
    secret_id: str
    until: datetime | None = None
    """None while it is the current secret; else the end of its overlap."""


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: str
    url: str
    secrets: tuple[SecretVersion, ...]

    def signing(self, now: datetime) -> tuple[str, ...]:
        """The ids of the secrets that sign at `now`: the current one, and any in overlap."""
        return tuple(s.secret_id for s in self.secrets if s.until is None or s.until > now)


@dataclass(frozen=True)
class Partner:
    card: PartnerRegistered
    retired: bool = False
    endpoints: Mapping[str, Endpoint] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def partner_id(self) -> str:
        return self.card.partner_id


@dataclass(frozen=True)
class Directory:
    partners: Mapping[str, Partner] = field(default_factory=lambda: MappingProxyType({}))
    acknowledge_hours: int = DEFAULT_ACKNOWLEDGE_HOURS

    def active(self) -> list[Partner]:
        return [p for p in self.partners.values() if not p.retired]


def decide(command: Command, state: Directory) -> list[EventData]:
    """The events a command records; [] when it changes nothing (a repeated PUT)."""
    match command:
        case RegisterPartner():
            return _register(command, state)
        case SetAcknowledgeHours(hours=hours):
            if not 1 <= hours <= 720:
                raise DirectoryRefused("bad-hours", "between 1 and 720 hours (30 days)")
            return [] if hours == state.acknowledge_hours else [ReferralTimeFrameSet(
                acknowledge_hours=hours)]  # fmt: skip
    partner = _partner(state, command.partner_id)
    match command:
        case RetirePartner():
            return [] if partner.retired else [PartnerRetired(partner_id=partner.partner_id)]
        case AddEndpoint():
            return _add_endpoint(command, partner)
        case RotateSecret():
            endpoint = _endpoint(partner, command.endpoint_id)
            if not timedelta(0) <= command.overlap <= MAX_OVERLAP:
                raise DirectoryRefused("bad-overlap", "an overlap of 0 to 7 days")
            return [WebhookSecretRotated(
                partner_id=partner.partner_id, endpoint_id=endpoint.endpoint_id,
                secret_id=command.secret_id, previous_secret_id=endpoint.secrets[-1].secret_id,
                previous_until=command.now + command.overlap,
            )]  # fmt: skip
        case RemoveEndpoint():
            _endpoint(partner, command.endpoint_id)
            if command.waiting and len(partner.endpoints) == 1:
                waiting = (
                    "1 webhook waits"
                    if command.waiting == 1
                    else (f"{command.waiting} webhooks wait")
                )
                raise DirectoryRefused("deliveries-waiting", (
                    f"{waiting} for this endpoint, the partner's only one: add its new "
                    "endpoint first, and they move to it when this one is removed"))  # fmt: skip
            return [WebhookEndpointRemoved(partner_id=partner.partner_id,
                                           endpoint_id=command.endpoint_id)]  # fmt: skip
        case EnableEndpoint():
            _endpoint(partner, command.endpoint_id)
            if not command.disabled:
                raise DirectoryRefused("endpoint-enabled", "this endpoint is not disabled")
            return [WebhookEndpointEnabled(partner_id=partner.partner_id,
                                           endpoint_id=command.endpoint_id)]  # fmt: skip
        case RedeliverDeadLetter() | SkipDeadLetter():
            return [_dead_letter(command, partner)]
    raise TypeError(f"not a directory command: {command!r}")  # pragma: no cover


def _dead_letter(c: RedeliverDeadLetter | SkipDeadLetter, partner: Partner) -> EventData:
    _endpoint(partner, c.endpoint_id)
    letter = c.letter
    if not letter.dead:
        raise DirectoryRefused("not-dead", "this webhook is not a dead letter (any more)")
    kind = DeadLetterRedelivered if isinstance(c, RedeliverDeadLetter) else DeadLetterSkipped
    return kind(
        partner_id=partner.partner_id, endpoint_id=c.endpoint_id,
        delivery_id=letter.delivery_id, webhook_id=letter.webhook_id,
        event_type=letter.event_type, subject=letter.subject,
    )  # fmt: skip


def _partner(state: Directory, partner_id: str) -> Partner:
    partner = state.partners.get(partner_id)
    if partner is None:
        raise DirectoryRefused("unknown-partner", f"there is no partner {partner_id!r}")
    return partner


def _endpoint(partner: Partner, endpoint_id: str) -> Endpoint:
    endpoint = partner.endpoints.get(endpoint_id)
    if endpoint is None:
        raise DirectoryRefused("unknown-endpoint", "this partner has no such endpoint")
    return endpoint


def _register(c: RegisterPartner, state: Directory) -> list[EventData]:
    if not c.name.strip():
        raise DirectoryRefused("blank-name", "a partner's name may not be blank")
    if not c.countries:
        raise DirectoryRefused("no-countries", "name at least one country the partner serves")
    for what, given, known in (("indicators", c.indicators, BY_CODE),
                               ("categories", c.categories, CATEGORIES),
                               ("languages", c.languages, LANGUAGES)):  # fmt: skip
        if unknown := sorted(set(given) - set(known)):
            raise DirectoryRefused(f"unknown-{what}", f"unknown {what}: {', '.join(unknown)}")
    existing = state.partners.get(c.partner_id)
    if existing is not None and existing.retired:
        raise DirectoryRefused("partner-retired", "this partner was retired")
    card = PartnerRegistered(
        partner_id=c.partner_id, name=c.name.strip(), kind=c.kind,
        countries=tuple(sorted(set(c.countries))), indicators=tuple(sorted(set(c.indicators))),
        categories=tuple(sorted(set(c.categories))), languages=tuple(dict.fromkeys(c.languages)),
        services=tuple(dict.fromkeys(c.services)), contact=c.contact.strip(),
    )  # fmt: skip
    return [] if existing is not None and existing.card == card else [card]


def check_url(url: str, plain_http: bool) -> None:
    """A URL a webhook may be sent to, as far as its text tells (the delivery checks where it
    resolves, each time it sends)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise DirectoryRefused("bad-url", "the URL cannot be read") from None
    schemes = ("https", "http") if plain_http else ("https",)
    if parts.scheme not in schemes:
        raise DirectoryRefused("bad-url", "webhooks are sent over https only")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise DirectoryRefused("bad-url", "the URL names a host, and no user or password")
    if parts.fragment:
        raise DirectoryRefused("bad-url", "a webhook URL has no fragment")


def _add_endpoint(c: AddEndpoint, partner: Partner) -> list[EventData]:
    if partner.retired:
        raise DirectoryRefused("partner-retired", "this partner was retired")
    if c.endpoint_id in partner.endpoints:
        raise DirectoryRefused("endpoint-exists", "this endpoint is already registered")
    # A second endpoint at the same address would have the receiver sent every webhook twice,
    # once signed with a secret it does not know of.
    if same := [e.endpoint_id for e in partner.endpoints.values() if e.url == c.url]:
        raise DirectoryRefused("url-registered", f"this partner already has an endpoint at "
                               f"this address ({same[0]}): rotate its secret instead")  # fmt: skip
    if len(partner.endpoints) >= MAX_ENDPOINTS:
        raise DirectoryRefused("too-many-endpoints", f"at most {MAX_ENDPOINTS} per partner")
    check_url(c.url, c.plain_http)
    return [WebhookEndpointAdded(partner_id=partner.partner_id, endpoint_id=c.endpoint_id,
                                 url=c.url, secret_id=c.secret_id)]  # fmt: skip


def _with_endpoints(
    state: Directory, partner_id: str, endpoints: Mapping[str, Endpoint]
) -> Directory:
    partner = replace(state.partners[partner_id], endpoints=MappingProxyType(dict(endpoints)))
    return replace(state, partners=MappingProxyType({**state.partners, partner_id: partner}))


def evolve(state: Directory, event: EventData) -> Directory:
    match event:
        case PartnerRegistered(partner_id=pid):
            old = state.partners.get(pid)
            partner = replace(old, card=event) if old else Partner(event)
            return replace(state, partners=MappingProxyType({**state.partners, pid: partner}))
        case PartnerRetired(partner_id=pid):
            partner = replace(state.partners[pid], retired=True)
            return replace(state, partners=MappingProxyType({**state.partners, pid: partner}))
        case WebhookEndpointAdded(partner_id=pid, endpoint_id=eid):
            endpoint = Endpoint(eid, event.url, (SecretVersion(event.secret_id),))
            return _with_endpoints(state, pid, {**state.partners[pid].endpoints, eid: endpoint})
        case WebhookSecretRotated(partner_id=pid, endpoint_id=eid):
            endpoint = state.partners[pid].endpoints[eid]
            ended = tuple(
                replace(s, until=event.previous_until) if s.secret_id == event.previous_secret_id
                else s
                for s in endpoint.secrets
            )  # fmt: skip
            # A secret rotated out still signs until its overlap ends (`Endpoint.signing`);
            # two are kept beside the new one, which covers rotating again within an overlap.
            kept = ended[-2:]
            rotated = replace(endpoint, secrets=(*kept, SecretVersion(event.secret_id)))
            return _with_endpoints(state, pid, {**state.partners[pid].endpoints, eid: rotated})
        case WebhookEndpointRemoved(partner_id=pid, endpoint_id=eid):
            rest = {k: v for k, v in state.partners[pid].endpoints.items() if k != eid}
            return _with_endpoints(state, pid, rest)
        case ReferralTimeFrameSet(acknowledge_hours=hours):
            return replace(state, acknowledge_hours=hours)
    return state


DIRECTORY = Aggregate[Directory, Command](lambda _: Directory(), evolve, decide)
