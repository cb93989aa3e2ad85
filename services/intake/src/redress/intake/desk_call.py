"""The call's page and its forms: the worker's report read back in their language, and what
the worker asks for recorded by the commands the JSON API records (`on_the_line`,
`operator_consent.answer_of`, through `by_receipt.on_call`).

Each form redirects to the call's page with a notice of what it recorded, once the report's
read model shows it (bounded); a refused one shows the page again with the reason beside the
form and what was typed. Withdrawing and erasing cannot be undone: each asks first, on a page
of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from redress.events.projection import wait_for_version
from redress.intake import on_the_line
from redress.intake.by_receipt import Command, on_call
from redress.intake.context import Intake, IntakeContext
from redress.intake.desk import CONSOLE, NOTICES, PATH, Assisting, call_of, home, keep_call
from redress.intake.filing import grievance_stream, tenant_name
from redress.intake.operator_consent import Answering, answer_of
from redress.intake.projections import Grievances
from redress.intake.texts import SATISFACTION_QUESTION, SCALE
from redress.kit import console
from redress.kit.auth import Principal
from redress.kit.console.refusals import FORM_ERRORS, NO_FAILURE, failure
from redress.kit.deps import Pool, Store
from redress.kit.i18n import direction
from redress.kit.openapi import MinVersion

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)
VIEW = Grievances()
READ_BACK_SECONDS = 5.0
FIELDS = ("text", "score", "answer", "fields")
# What a refused form is called above its reason.
FORMS = {"reply": "The worker's message", "satisfaction": "The worker's score",
         "withdrawal": "The withdrawal", "erasure": "The erasure"}  # fmt: skip


async def call_page(
    request: Request, p: Principal, pool: Pool, intake: Intake, grievance_id: str,
    status: int = 200, **failed: object,
) -> Response:  # fmt: skip
    """The report as the worker would read it, with the forms of what they may ask for."""
    async with pool.acquire() as conn:
        await tenant_name(conn, p.tenant)
        report = await on_the_line.reading(conn, intake, p.tenant, grievance_id)
    _ = intake.pages.gettext(report.language)
    done = request.query_params.get("done")
    named = str(failed.get("failed") or "")
    labels = FORMS | ({named: "The worker's answer"} if named.startswith("consent-") else {})
    page = CONSOLE.page(
        request, "call.html", status, principal=p, r=report, dir=direction(report.language),
        notice=NOTICES.get(done or "") if status == 200 else None,
        question=_(SATISFACTION_QUESTION), scale=[(n, _(said)) for n, said in SCALE.items()],
        labels=labels, **(NO_FAILURE | failed),
    )  # fmt: skip
    return keep_call(request, page, intake, p, grievance_id)


@router.get("/call")
async def call(
    request: Request, p: Assisting, pool: Pool, intake: IntakeContext,
    min_version: MinVersion = None,
) -> Response:  # fmt: skip
    grievance_id = call_of(request, intake, p)
    if grievance_id is None:
        return RedirectResponse(f"{PATH}?done=no-call", status_code=303)
    if min_version:  # the form's write, read back before the page says it was recorded
        stream = grievance_stream(grievance_id)
        await wait_for_version(pool, VIEW, stream, min_version, timeout=READ_BACK_SECONDS)
    return await call_page(request, p, pool, intake, grievance_id)


# What a form asks for, from its fields and its address's (a body model refuses what is wrong).
Asked = Callable[[Principal, Intake, FormData, Mapping[str, str]], Command]


def form(path: str, done: str | None, confirmed: bool = False) -> Callable[[Asked], Asked]:
    """Serve `asked` as the form posted to `/desk/call<path>`; `done` names the notice (None:
    the answer given names it). A `confirmed` form asks first on a page of its own."""

    def register(asked: Asked) -> Asked:
        async def route(
            request: Request, p: Assisting, pool: Pool, store: Store, intake: IntakeContext
        ) -> Response:
            return await _act(request, p, pool, store, intake, done, asked, confirmed)

        router.add_api_route(f"/call{path}", route, methods=["POST"])
        if confirmed:

            async def ask(
                request: Request, p: Assisting, pool: Pool, intake: IntakeContext
            ) -> Response:
                grievance_id = call_of(request, intake, p)
                if grievance_id is None:
                    return RedirectResponse(f"{PATH}?done=no-call", status_code=303)
                return await _confirm(request, p, pool, intake, grievance_id, done or "")

            router.add_api_route(f"/call{path}", ask, methods=["GET"])
        return asked

    return register


async def _confirm(
    request: Request, p: Principal, pool: Pool, intake: Intake, grievance_id: str, what: str,
    status: int = 200,
) -> Response:  # fmt: skip
    """Asked before what cannot be undone, with what the worker's own page says of it, in
    their language, for the operator to read out first (that a withdrawal leaves the support
    services they agreed to with their case, ADR 49)."""
    withdrawing = what == "withdrawal"
    async with pool.acquire() as conn:
        await tenant_name(conn, p.tenant)
        said = await on_the_line.before(conn, intake, p.tenant, grievance_id, withdrawing)
    page = CONSOLE.page(request, "confirm.html", status, principal=p, what=what,
                        unconfirmed=status != 200, read_out=said.sentence, lang=said.language,
                        dir=direction(said.language))  # fmt: skip
    return keep_call(request, page, intake, p, grievance_id)


async def _act(
    request: Request, p: Principal, pool: Pool, store: Store, intake: Intake,
    done: str | None, asked: Asked, confirmed: bool,
) -> Response:  # fmt: skip
    # A refusal below is an answer of 400 or more: the console's route forgets the form as
    # sent, so that it may be sent again.
    posted = await CONSOLE.form(request)
    grievance_id = call_of(request, intake, p)
    if grievance_id is None:  # nothing is recorded on a call that ended
        return home(request, p, 409, error=NOTICES["no-call"])
    if confirmed and console.field(posted, "confirm") != "yes":
        return await _confirm(request, p, pool, intake, grievance_id, done or "", 422)
    # A consent request's form is named by it: only its own shows the reason and the ticks.
    name = done or "consent-{referral_id}-{partner_id}".format(**request.path_params)
    try:
        command = asked(p, intake, posted, request.path_params)
        written = await on_call(pool, store, p, grievance_id, command)
    except FORM_ERRORS as exc:
        refused = failure(name, exc, posted, FIELDS, ticked="fields")
        return await call_page(request, p, pool, intake, grievance_id, refused.status,
                               **refused.context())  # fmt: skip
    said = done or console.field(posted, "answer") or ""
    query = urlencode({"done": said, "min_version": written.version})
    answer = RedirectResponse(f"{PATH}/call?{query}", status_code=303)
    return keep_call(request, answer, intake, p, grievance_id)


@form("/reply", "reply")
def reply(p: Principal, intake: Intake, f: FormData, _: object) -> Command:
    said = on_the_line.WorkerMessage.model_validate({"text": console.field(f, "text") or ""})
    return on_the_line.message(intake, said.text)


@form("/satisfaction", "satisfaction")
def satisfaction(p: Principal, intake: Intake, f: FormData, _: object) -> Command:
    scored = on_the_line.Score.model_validate({"score": console.number(f, "score")})
    return on_the_line.satisfaction(scored.score)


@form("/withdrawal", "withdrawal", confirmed=True)
def withdrawal(p: Principal, intake: Intake, f: FormData, _: object) -> Command:
    return on_the_line.withdrawal()


@form("/erasure", "erasure", confirmed=True)
def erasure(p: Principal, intake: Intake, f: FormData, _: object) -> Command:
    return on_the_line.erasure(intake)


@form("/consent/{referral_id}/{partner_id}", None)
def consent(p: Principal, intake: Intake, f: FormData, path: Mapping[str, str]) -> Command:
    answer = Answering.model_validate({
        "referral_id": path["referral_id"], "partner_id": path["partner_id"],
        "answer": console.field(f, "answer"), "fields": console.values(f, "fields"),
    })  # fmt: skip
    return answer_of(intake, p.tenant, answer.referral_id, answer.partner_id, answer.answer,
                     answer.fields)  # fmt: skip
