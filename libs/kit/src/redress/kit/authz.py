"""One table of role x action, enforced in one place.

Tenancy is checked beside it: a principal only ever acts inside its own tenant, and a
resource of another tenant answers 404, as if it did not exist.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    officer = "officer"  # MSI grievance officer: all cases of the tenant
    supervisor = "supervisor"  # oversees the officers: all cases, told of missed deadlines
    admin = "admin"  # MSI admin: configuration of the tenant, never case content
    member = "member"  # member company: its own supply chain, redacted
    operator = "operator"  # hotline / SMS operator filing on a worker's behalf
    auditor = "auditor"  # registers audits for callback campaigns
    partner = "partner"  # referral partner: referrals addressed to it
    representative = "representative"  # union, NGO or other, filing for or beside a worker
    supplier = "supplier"  # the facility a case is about: the plan actions it owns there
    facilitator = "facilitator"  # remediation expert body: the cases it facilitates


# Roles that act for an organisation (a member company, a referral partner, a supplier by its
# site id): their tokens must name it in `org`, or they would reach nothing, or everything,
# of their kind.
ORGANISATION_ROLES: frozenset[Role] = frozenset(
    {Role.member, Role.partner, Role.representative, Role.supplier, Role.facilitator}
)


class Action(StrEnum):
    grievance_submit = "grievance.submit"
    grievance_import = "grievance.import"
    grievance_file_for_worker = "grievance.file_for_worker"
    grievance_assist = "grievance.assist_by_receipt"
    receipt_reissue = "receipt.reissue"
    grievance_represent = "grievance.represent"
    audit_register = "audit.register"
    callback_work = "callback.work"
    case_read = "case.read"
    case_manage = "case.manage"
    case_read_redacted = "case.read_redacted"
    deadline_oversee = "deadline.oversee"
    plan_action_add = "plan.action_add"
    plan_action_update = "plan.action_update"
    plan_read_own = "plan.read_own"
    referral_read = "referral.read"
    referral_manage = "referral.manage"
    referral_consent_record = "referral.consent_record"
    referral_respond = "referral.respond"
    partner_directory_read = "partner_directory.read"
    partner_directory_manage = "partner_directory.manage"
    assessment_read = "assessment.read"
    assessment_answer = "assessment.answer"
    assessment_review = "assessment.review"
    assessment_self = "assessment.self_assess"
    framework_read = "framework.read"
    tenant_configure = "tenant.configure"
    figures_publish = "figures.publish"
    figures_member = "figures.member"
    figures_officer = "figures.officer"
    projection_operate = "projection.operate"


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.grievance_submit: frozenset({Role.member, Role.operator}),
    Action.grievance_import: frozenset({Role.member}),
    Action.grievance_file_for_worker: frozenset({Role.operator}),
    # On the phone, with the worker's reference and secret: read and act as the worker would.
    Action.grievance_assist: frozenset({Role.operator}),
    # A new secret goes to the number the worker gave, never to the one who asked.
    Action.receipt_reissue: frozenset({Role.operator}),
    # A union, NGO or other representative files for a worker, asks to accompany one, and
    # reads the progress of those it stands by (its token's org), never what the worker wrote.
    Action.grievance_represent: frozenset({Role.representative}),
    Action.audit_register: frozenset({Role.auditor, Role.officer}),
    Action.callback_work: frozenset({Role.operator, Role.officer}),
    # DESIGN.md: admins configure, they do not read narratives, contacts or threads.
    Action.case_read: frozenset({Role.officer, Role.supervisor}),
    Action.case_manage: frozenset({Role.officer, Role.supervisor}),
    Action.case_read_redacted: frozenset({Role.member}),
    Action.deadline_oversee: frozenset({Role.supervisor}),
    # A member company adds actions for itself or its supplier (decided on the case: never
    # for the initiative or a facilitator); a supplier or facilitator adds none.
    Action.plan_action_add: frozenset({Role.officer, Role.supervisor, Role.member}),
    # Progress on an action: staff on any; a member on its own and its supplier's; a supplier
    # or facilitator on the actions it owns only (decided on the case).
    Action.plan_action_update: frozenset(
        {Role.officer, Role.supervisor, Role.member, Role.supplier, Role.facilitator}
    ),
    # A supplier (its token's org: its site id) or a facilitator (its organisation) reads the
    # cases where the plan gives it an action (a facilitator: also those it facilitates),
    # redacted further than a member's, and only its own actions.
    Action.plan_read_own: frozenset({Role.supplier, Role.facilitator}),
    # Referrals hold the indicators and the worker's safety: staff only, never a member.
    Action.referral_read: frozenset({Role.officer, Role.supervisor}),
    Action.referral_manage: frozenset({Role.officer, Role.supervisor}),
    # An operator on the phone with the worker records their consent (or its withdrawal).
    Action.referral_consent_record: frozenset({Role.officer, Role.supervisor}),
    # A partner reads and answers the referrals sent to it (its token's org is its id).
    Action.referral_respond: frozenset({Role.partner}),
    # Officers choose partners from the directory; admins keep it (and its webhook secrets).
    Action.partner_directory_read: frozenset({Role.officer, Role.supervisor, Role.admin}),
    Action.partner_directory_manage: frozenset({Role.admin}),
    # A member reads and answers its own organisation's assessments (its token's org); the
    # initiative's officers read all of the tenant's and review them, and never answer.
    Action.assessment_read: frozenset({Role.member, Role.officer, Role.supervisor}),
    Action.assessment_answer: frozenset({Role.member}),
    Action.assessment_review: frozenset({Role.officer, Role.supervisor}),
    # The initiative answers the UN guidance's questions about itself.
    Action.assessment_self: frozenset({Role.officer, Role.supervisor}),
    # The frameworks are public knowledge within the tenant: admins read them too.
    Action.framework_read: frozenset({Role.member, Role.officer, Role.supervisor, Role.admin}),
    Action.tenant_configure: frozenset({Role.admin}),
    # Publishing the initiative's figures speaks for it: its admins, no one else.
    Action.figures_publish: frozenset({Role.admin}),
    # A member reads its own supply chain's figures (its token's org), protected like a release.
    Action.figures_member: frozenset({Role.member}),
    # The initiative's work as it stands (queues, overdue stages): its case handlers.
    Action.figures_officer: frozenset({Role.officer, Role.supervisor}),
    Action.projection_operate: frozenset({Role.admin}),
}


# What each action lets one do, in the words a refusal says it with (beside its code).
DOING: dict[Action, str] = {
    Action.grievance_submit: "submit grievances",
    Action.grievance_import: "import grievances",
    Action.grievance_file_for_worker: "file grievances for a worker",
    Action.grievance_assist: "help a worker with their receipt",
    Action.receipt_reissue: "issue a worker a new secret",
    Action.grievance_represent: "represent workers",
    Action.audit_register: "register audits",
    Action.callback_work: "work on callbacks",
    Action.case_read: "read cases",
    Action.case_manage: "manage cases",
    Action.case_read_redacted: "read the cases of your supply chain",
    Action.deadline_oversee: "oversee deadlines",
    Action.plan_action_add: "add actions to a plan",
    Action.plan_action_update: "update actions of a plan",
    Action.plan_read_own: "read the plan actions you own",
    Action.referral_read: "read referrals",
    Action.referral_manage: "manage referrals",
    Action.referral_consent_record: "record a worker's consent to a referral",
    Action.referral_respond: "answer referrals",
    Action.partner_directory_read: "read the directory of partners",
    Action.partner_directory_manage: "keep the directory of partners",
    Action.assessment_read: "read assessments",
    Action.assessment_answer: "answer assessments",
    Action.assessment_review: "review assessments",
    Action.assessment_self: "assess the initiative's own mechanism",
    Action.framework_read: "read the assessment frameworks",
    Action.tenant_configure: "configure the initiative",
    Action.figures_publish: "publish the initiative's figures",
    Action.figures_member: "read your supply chain's figures",
    Action.figures_officer: "read the initiative's work in progress",
    Action.projection_operate: "operate the read models",
}


def refusal(roles: frozenset[str], action: Action) -> str:
    """Why `roles` may not do `action`, and which roles may: said to a person on a page as
    well as to a client in a problem's detail (the action's code stays in it for the latter)."""
    held = ", ".join(sorted(r for r in roles if r in Role.__members__)) or "none"
    needed = " or ".join(sorted(PERMISSIONS[action]))
    return (f"your roles ({held}) do not allow you to {DOING[action]} ({action.value}); "
            f"that needs the role of {needed}")  # fmt: skip


def allowed(roles: frozenset[str], action: Action) -> bool:
    return any(role in PERMISSIONS[action] for role in roles)


def authorising_role(roles: frozenset[str], action: Action) -> str | None:
    """The role the table matched for `action`: the one an event records as the actor's.

    When several of the principal's roles allow it, the first by name, so that the same
    token doing the same thing is always recorded alike.
    """
    matched = sorted(role for role in roles if role in PERMISSIONS[action])
    return matched[0] if matched else None
