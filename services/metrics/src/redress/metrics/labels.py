"""The words of the public figures pages for the codes a release holds, in plain English;
the pages translate them (`locales/`). A code without a word here is shown as it is."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for the catalogues; it is translated where it is shown."""
    return message


# The dimensions a reader can break the figures down by, in the order offered.
DIMENSIONS = {
    "country": N_("Country"),
    "sector": N_("Sector"),
    "tier": N_("Supply chain tier"),
    "category": N_("Type of grievance"),
    "channel": N_("How it was raised"),
    "language": N_("Language"),
}
UNKNOWN = N_("Not known")
TOTAL = N_("Total")

CATEGORIES = {
    "wages_and_benefits": N_("Wages and benefits"),
    "working_hours": N_("Working hours and overtime"),
    "health_and_safety": N_("Health and safety"),
    "harassment_and_abuse": N_("Harassment or abuse"),
    "gender_based_violence": N_("Gender-based violence"),
    "discrimination": N_("Discrimination"),
    "freedom_of_association": N_("Joining or forming a union"),
    "recruitment_and_fees": N_("Recruitment and fees"),
    "identity_documents": N_("Passport or ID documents kept"),
    "freedom_of_movement": N_("Not free to leave or move"),
    "child_labour": N_("Child labour"),
    "forced_labour": N_("Forced labour"),
    "contracts": N_("Contracts"),
    "living_conditions": N_("Housing and living conditions"),
    "retaliation": N_("Punished for speaking up"),
    "environment_and_community": N_("Environment and community"),
    "other": N_("Something else"),
}
SECTORS = {
    "agriculture": N_("Agriculture"),
    "electronics": N_("Electronics"),
    "footwear": N_("Footwear"),
    "garments": N_("Garments"),
    "seafood": N_("Seafood"),
    "textiles": N_("Textiles"),
}
TIERS = {"1": N_("Tier 1"), "2": N_("Tier 2"), "3": N_("Tier 3")}
CHANNELS = {
    "web": N_("Web form"),
    "sms": N_("Text message"),
    "hotline": N_("Phone line"),
    "member_api": N_("Through a member company"),
    "callback": N_("Callback after an audit"),
}
GROUNDS = {
    "duplicate": N_("Already raised"),
    "handled_elsewhere": N_("Handled elsewhere"),
    "insufficient_information": N_("Not enough information"),
    "out_of_scope": N_("Outside what the mechanism covers"),
    "withdrawn_by_worker": N_("Withdrawn by the worker"),
}
STAGES = {
    "admissibility": N_("Checking it can be taken up"),
    "verification": N_("Looking into the facts"),
    "response": N_("Deciding the response"),
    "remediation_plan": N_("Making a plan to put things right"),
    "implementation": N_("Carrying out the plan"),
}
OUTCOMES = {
    "resolved": N_("Resolved"),
    "partly_resolved": N_("Partly resolved"),
    "unresolved": N_("Not resolved"),
    "referred": N_("Passed on to a support service"),
}
REMEDIES = {
    "apology": N_("Apology"),
    "compensation": N_("Compensation"),
    "medical_or_psychological_support": N_("Medical or psychological support"),
    "policy_change": N_("Change of policy"),
    "reinstatement": N_("Return to the job"),
    "training": N_("Training"),
    "wage_restitution": N_("Payment of unpaid wages"),
    "other": N_("Other remedy"),
}
INDICATORS = {
    "trafficking": N_("Signs of human trafficking"),
    "forced_labour": N_("Signs of forced labour"),
    "child_labour": N_("Signs of child labour"),
}
REFERRAL_STEPS = {
    "opened": N_("Referral considered"),
    "proposed": N_("Support service proposed"),
    "consented": N_("Worker agreed"),
    "declined": N_("Worker declined"),
    "sent": N_("Referral sent"),
    "accepted": N_("Accepted by the service"),
    "partner_declined": N_("Declined by the service"),
    "closed": N_("Referral closed"),
}
SCORES = {
    "5": N_("Very satisfied"),
    "4": N_("Satisfied"),
    "3": N_("Neither satisfied nor unhappy"),
    "2": N_("Unhappy"),
    "1": N_("Very unhappy"),
}
CALLBACKS = {
    "audits": N_("Audits"),
    "interviewed": N_("Workers interviewed"),
    "callbacks_due": N_("Callbacks due"),
    "callbacks_made": N_("Callbacks made"),
    "callbacks_reached": N_("Workers reached"),
    "retaliation_reported": N_("Retaliation reported"),
    "callback_grievances": N_("Grievances raised on a callback"),
    "callback_violations_acted_on": N_("Violations confirmed and acted on"),
    "suppliers_corrective_action": N_("Suppliers with corrective action"),
    "suppliers_suspended": N_("Suppliers suspended"),
    "suppliers_exited": N_("Suppliers exited"),
}
STEPS = {
    "acknowledge": N_("Acknowledged"),
    "plan": N_("Plan agreed"),
    "close": N_("Closed"),
}
# Per dimension or code: the words for its values.
VALUES: dict[str, dict[str, str]] = {
    "category": CATEGORIES,
    "sector": SECTORS,
    "tier": TIERS,
    "channel": CHANNELS,
    "grounds": GROUNDS,
    "stage": STAGES,
    "outcome": OUTCOMES,
    "remedy": REMEDIES,
    "group": INDICATORS,
    "step": REFERRAL_STEPS,
    "score": SCORES,
}
# What each section counts, said once above its tables: two figures side by side count
# different grievances (taken up in a period need not have been received in it), and a
# reader subtracting one from the other found figures that did not add up.
SAYS = {
    "received": N_(
        "Received counts the grievances that arrived in this period; taken up counts those "
        "taken up in this period, whenever they arrived, so the difference is not the number "
        "not taken up."
    ),
    "rejected": N_(
        "Grievances decided in this period not to be taken up, whenever they arrived, by the "
        "reason given."
    ),
    "in_progress": N_(
        "Grievances still open on the last day of the period, by the stage they had reached."
    ),
    "closed": N_("Grievances closed in this period, by how they ended."),
    "remedy": N_(
        "Grievances closed in this period whose plan included each type of remedy; one with "
        "several types counts under each."
    ),
    "reopened": N_("Grievances reopened in this period, and grievances the worker withdrew in it."),
    "time": N_(
        "Days from receipt to each step, for the grievances that reached it in this period, "
        "and whether they reached it by the initiative's deadline."
    ),
    "overdue": N_("Grievances that missed a stage's deadline in this period."),
    "satisfaction": N_(
        "Scores workers gave in this period, and whether the workers whose grievance closed in "
        "this period were asked."
    ),
    "indicators": N_(
        "Grievances checked in this period in which signs of each kind were found; one "
        "grievance can count under several."
    ),
    "referrals": N_(
        "Grievances whose referral to a support service took each step in this period."
    ),
    "callbacks": N_(
        "The callback programme in this period: audits, interviews and calls, by the audited "
        "site's country."
    ),
}
DRAWN = N_("The chart shows the grievances received; the table shows both.")
# The sections of a release page, as titled there (`release_view`), and what each holds in
# the downloads: the readable data dictionary (`guide_pages`) says them in this order.
SECTIONS = {
    "received": (N_("Grievances received and taken up"), ("received", "admissible")),
    "rejected": (N_("Not taken up, by reason"), ("rejected",)),
    "in_progress": (N_("Open at the end of the period, by stage"), ("in_progress",)),
    "closed": (N_("Closed, by outcome"), ("closed",)),
    "remedy": (N_("Remedies in closed grievances"), ("remedy",)),
    "reopened": (N_("Reopened and withdrawn"), ("reopened", "withdrawn")),
    "time": (N_("Days taken"), ("time_to_acknowledge", "time_to_plan", "time_to_close",
                                "within_acknowledge", "within_plan", "within_close")),
    "overdue": (N_("Stages not finished in time"), ("overdue",)),
    "satisfaction": (N_("Workers' satisfaction"), ("satisfaction", "satisfaction_mean", "asked")),
    "indicators": (N_("Signs of forced labour, trafficking or child labour"), ("indicators",)),
    "referrals": (N_("Referrals to support services"), ("referrals",)),
    "callbacks": (N_("Callback programme, by the audit's country"), tuple(CALLBACKS)),
}  # fmt: skip
