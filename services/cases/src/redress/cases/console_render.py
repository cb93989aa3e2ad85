"""How the officer console is rendered: the kit's console (login, CSRF, refusals as pages,
the shared base template and styles) with the cases service's templates and words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse

from redress.cases import referral_entries
from redress.cases.context import Cases
from redress.kit.authz import Action, allowed
from redress.kit.console import Console, csrf_key_in, human

__all__ = ["CONSOLE", "ConsoleRoute", "actions_named", "human", "owner", "page"]

HERE = Path(__file__).parent
PATH = "/console"

# Timeline entries of what the worker did, said in the worker's terms.
ENTRIES = {
    "WorkerMessagePosted": "The worker wrote",
    "GrievanceUpdated": "The worker added information",
    "AttachmentAdded": "The worker attached a file",
    "WithdrawalRequested": "The worker asked to withdraw the grievance",
    "PersonalDataErased": "The worker's personal data was erased",
    "ContactConsentChanged": "The worker changed whether they may be contacted",
    "ReviewRequested": "The worker asked for a review of the decision",
    "PlanAnswered": "The worker answered on the plan (agree, object, or a call)",
    "RemedyConfirmed": "The worker said whether a remedy of the plan reached them",
    "RepresentativeRecorded": "A representative stands by the worker",
    **referral_entries.ENTRIES,
}


def entry(event_type: str) -> str:
    return ENTRIES.get(event_type) or human(event_type)


def actions_named(
    timeline: list[dict[str, Any]], actions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The timeline as a console says it: an entry about an action of the plan (its progress,
    its waiver, a remedy delivering it, the worker saying whether it reached them) names the
    action by its words as the plan recorded them, as a referral's milestones name their
    partner, not by its id, which tells a reader nothing; the entry adding it says its words
    already. The API keeps the ids, for the systems that read it."""
    words = {a["action_id"]: a["description"] for a in actions}
    named = []
    for e in timeline:
        details = e["details"]
        if (action := details.get("action_id")) in words:
            details = {k: v for k, v in details.items() if k != "action_id"}
            if e["type"] != "PlanActionAdded":
                details["action"] = words[action]
        named.append(e | {"details": details})
    return named


# Who does a plan action, in an officer's words: the initiative is its own, as the rest of
# the console (and the worker's pages) call it, never the log's `msi`.
OWNERS = {"member_company": "Member company", "supplier": "Supplier",
          "facilitator": "Facilitator", "msi": "The initiative"}  # fmt: skip


def owner(value: Any) -> str:
    return OWNERS.get(str(value)) or human(value)


def is_staff(principal: Any) -> bool:
    return allowed(principal.roles, Action.case_read) or allowed(
        principal.roles, Action.case_manage
    )


CONSOLE = Console(
    path=PATH,
    title="officer console",
    nav=[
        (PATH, "Queue"),
        (f"{PATH}/systemic-issues", "Systemic issues"),
        (f"{PATH}/suppliers", "Suppliers"),
    ],
    back="Back to the queue",
    admits=is_staff,
    refused="That token may not read cases: the console is for the MSI's grievance officers"
    " and supervisors (an admin configures the initiative, and reads no case; member"
    " companies log in to their own console, at /member/login).",
    forbidden="the console is for the grievance officers of an MSI",
    csrf_key=csrf_key_in("cases"),
    templates=HERE / "templates",
    filters={"entry": entry, "owner": owner},
)
ConsoleRoute = CONSOLE.route


def page(
    request: Request, cases: Cases, name: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page with a CSRF token, setting the CSRF cookie on a first visit."""
    return CONSOLE.page(request, name, status, **context)
