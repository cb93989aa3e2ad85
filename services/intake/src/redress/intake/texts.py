"""Worker-facing words that live in code; templates hold the rest. All are translated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def N_(message: str) -> str:
    """Mark a message for the catalogues; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Counted:
    """A message holding a number, said in the form the worker's language gives that number
    (one and many in English; six forms in Arabic, three in Russian): `count` names the
    value that is the number."""

    singular: str
    plural: str
    count: str


def NP_(singular: str, plural: str, count: str) -> Counted:
    """Mark a counted message for the catalogues, as `ngettext` takes it."""
    return Counted(singular, plural, count)


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

STATUS = {
    "received": N_("Received: we will acknowledge it soon."),
    "admissibility": N_("Being checked"),
    "verification": N_("Being looked into"),
    "response": N_("Deciding what to do"),
    "remediation_plan": N_("A plan to put things right is being made"),
    "implementation": N_("The plan is being carried out"),
    "closure": N_("Closed"),
    "lessons_learned": N_("Closed"),
    "rejected": N_("Not taken up"),
    "ended": N_("Ended at your request"),
    "withdrawn": N_("Withdrawn at your request"),
    "erased": N_("Your personal data was erased"),
}


def status_key(g: Any) -> str:
    """Which of `STATUS` the worker is told of where their report is, from its row of the
    read model (`intake.grievances`): on their page, on the line and by text alike."""
    if g["status"] == "erased":
        return "erased"
    if g["grounds"] == "withdrawn_by_worker":
        return "ended"  # the case was closed on the worker's withdrawal
    if g["status"] == "withdrawn":
        return "withdrawn"
    return "rejected" if g["grounds"] else str(g["stage"])


WRONG_RECEIPT = N_("That reference and secret number do not match. Please check them.")
BLANK_RECEIPT = N_("Please type your reference and your secret number.")
WAIT_BEFORE_TRYING = N_("Too many wrong tries. Please wait %(wait)s, then try again.")
REPLY_SENT = N_("Your message was sent.")
REPRESENTED = {
    True: N_("You allowed them to accompany you."),
    False: N_("You refused. They see nothing of your report."),
}
RETALIATION_REPORTED = N_(
    "Your message was sent. You said you are being punished for speaking up: "
    "a grievance officer was alerted at once."
)
WITHDRAWN = N_("Your report is withdrawn.")
ERASED = N_("Your personal data was erased.")
CONTACT_ON = N_("Saved: the grievance officer may contact you.")
CONTACT_OFF = N_("Saved: nobody will contact you about your report.")
SESSION_ENDED = N_("Please open your report again with your receipt.")
REVIEW_ASKED = N_(
    "You asked for a review. Another grievance officer will look at the decision again."
)
NO_REVIEW = N_("There is no decision to review, or a review was already asked for.")
REVIEW_RESULTS = {
    "upheld": N_("Review: the decision stands."),
    "reversed": N_("Review: the decision was changed. Your report is being looked at again."),
}

OUTCOMES = {
    "resolved": N_("Resolved"),
    "partly_resolved": N_("Partly resolved"),
    "unresolved": N_("Not resolved"),
    "referred": N_("Passed on to a service that can help"),
}
THANKS = N_("Thank you for telling us.")
SCALE = {
    5: N_("Very satisfied"),
    4: N_("Satisfied"),
    3: N_("Neither satisfied nor unhappy"),
    2: N_("Unhappy"),
    1: N_("Very unhappy"),
}

# Refusals on the worker pages: (heading, what to do), by problem kind or HTTP status.
PROBLEMS = {
    "csrf": (
        N_("This page has expired"),
        N_("To keep you safe, pages expire. Please go back, reload the page and try again."),
    ),
    404: (
        N_("Page not found"),
        N_("There is nothing at this address. Please check the link you were given."),
    ),
    409: (
        N_("This could not be done"),
        N_("Your report has changed in the meantime. Please open it again to see where it is."),
    ),
    413: (
        N_("Too large"),
        N_("What you sent is too large. Please send smaller files, or fewer at a time."),
    ),
    503: (
        N_("Please try again in a few minutes"),
        N_(
            "We cannot answer just now. Nothing you sent was recorded. Please try again in a few minutes."  # noqa: E501
        ),
    ),
    # A page only asked for (GET): nothing was sent, so nothing is said of a recording.
    "503-read": (
        N_("Please try again in a few minutes"),
        N_("We cannot answer just now. Please try again in a few minutes."),
    ),
    429: (
        N_("Too many tries"),
        N_("There were too many tries just now. Please wait a few minutes and try again."),
    ),
    400: (
        N_("This could not be done"),
        N_("What was sent could not be accepted. Please go back, check it and try again."),
    ),
    "tenant-offboarded": (
        N_("No longer taking reports"),
        N_(
            "This initiative no longer takes new reports. If you sent one before, you can "
            "still follow it with your receipt."
        ),
    ),
}

# The report form's own errors: said beside the field they concern.
FORM_EXPIRED = N_(
    "This form was open too long and has expired. We kept what you wrote: "
    "please check it and send it again."
)
FILING_LIMITED = N_(
    "Too many reports were sent from here just now. We kept what you wrote: "
    "please wait a few minutes and send it again."
)
CHOOSE_COUNTRY = N_("Choose a country.")
CHOOSE_CATEGORY = N_("Choose what it is about.")
TELL_WHAT_HAPPENED = N_("Tell us what happened.")
# Characters nobody can see (pasted from a chat: a bell, an escape): taken out, and the text
# given back to be checked, since nobody could find them to take them out themselves.
CONTROLS_TAKEN_OUT = N_(
    "We took out characters that cannot be seen. Please check the text and send it again."
)
TOO_LONG = NP_(
    "This is too long: please keep it to %(limit)s character or fewer.",
    "This is too long: please keep it to %(limit)s characters or fewer.",
    "limit",
)
FUTURE_DATE = N_("This date is in the future. Choose the day it started, or leave it empty.")
BAD_DATE = N_("Choose a real date, or leave it empty.")
CHECK_FIELD = N_("Please check what you wrote here.")
# Asked again when "Send" came without a score (the page's own question).
SATISFACTION_QUESTION = N_("How satisfied are you with the outcome?")
NOT_A_CONTACT = N_("Please write a phone number or an email address.")
UNKNOWN_SITE = N_(
    "This workplace is not in the list. Choose one from the list, "
    "or choose “Not in the list” and write its name."
)
FILE_TOO_LARGE = N_("A file is larger than 10 MB. Choose a smaller file, or leave it out.")
FILE_TYPE = N_(
    "A file is not a photo, a voice note or a PDF document. Choose another file, or leave it out."
)
TOO_MANY_FILES = N_("You can send at most 5 files.")
PAGE_EXPIRED_REPLY = N_(
    "This page has expired, so your message was not sent. Please check it and send it again."
)
PROOF_VALID = N_("This proof is valid: report %(reference)s was filed on %(time)s.")
PROOF_INVALID = N_(
    "This proof is not valid. It was not issued here, or it was changed: "
    "check that you copied all of it."
)
EMPTY_REPLY = N_("Write your message before you send it.")

# A referral to a support service, on the status page: who, why, and what would be shared.
PARTNER_KINDS = {
    "national_referral_mechanism": N_("the State's service for victims of trafficking"),
    "labour_inspectorate": N_("labour inspection"),
    "law_enforcement": N_("police"),
    "shelter": N_("shelter"),
    "legal_aid": N_("legal help"),
    "medical_or_psychological_care": N_("medical or psychological care"),
    "repatriation": N_("help to return home"),
    "trade_union": N_("trade union"),
    "ngo": N_("support organisation"),
}
SERVICES = {
    "shelter": N_("a safe place to stay"),
    "legal_aid": N_("legal help"),
    "medical_care": N_("medical care"),
    "psychological_care": N_("psychological support"),
    "repatriation": N_("returning home"),
    "protection": N_("protection"),
    "victim_identification": N_("being recognised as a victim, with the rights it gives"),
    "labour_inspection": N_("an inspection of the workplace"),
    "investigation": N_("an investigation"),
    "wage_recovery": N_("getting unpaid wages back"),
    "documents": N_("getting your documents back"),
    "interpretation": N_("an interpreter"),
    "livelihood": N_("help to earn a living"),
}
SHARED_FIELDS = {
    "narrative": N_("What you wrote in your report"),
    "contact": N_("How to contact you"),
}
# Contact details that hold the worker's name share it: the box must say so.
CONTACT_WITH_NAME = N_("Your name and how to contact you")
REFERRAL_STATES = {
    "sent": N_("Passed on: waiting for their answer."),
    "acknowledged": N_("They received it."),
    "accepted": N_("They agreed to help you. They may contact you."),
    "declined": N_("They cannot help. Your grievance officer may suggest another service."),
    "closed": N_("Their help has ended."),
    "withdrawn": N_("No longer passed on to them."),
}
CONSENT_GIVEN = N_("You agreed. We will pass on your case.")
CONSENT_DECLINED = N_("You did not agree. Nothing about you is sent to them.")
CONSENT_REVOKED = N_("You withdrew your agreement. They are told, and get nothing more.")
# Read out by an operator to a worker asked on the phone, as the status page says them.
ALWAYS_LEARNED = N_(
    "Your country, your language, what your report is about, the help you need, and who must "
    "not find out. Never your name."
)
CONSENT_QUESTION = N_("Do you agree that we pass your case to them?")
HELP_WITH = N_("So that they can help you with:")
ALWAYS_LEARNED_TITLE = N_("What they always learn")
AGREED_TITLE = N_("What you agreed to share")
ONLY_TICKED = N_("They would also get only what you tick here:")
MAY_WITHDRAW = N_(
    "You can withdraw your agreement at any time: they will be told, and get nothing more "
    "about you."
)

# Why a grievance was not taken up, in plain words (the officer's grounds).
GROUNDS = {
    "out_of_scope": N_("It is not something this initiative can deal with."),
    "insufficient_information": N_("There was not enough information to look into it."),
    "duplicate": N_("The same problem is already being dealt with in another report."),
    "handled_elsewhere": N_("It is already being dealt with elsewhere, for example by a court."),
}

# The plan, as the worker reads it: who does each action, by kind, never a person.
OWNERS = {
    "member_company": N_("The company that buys from your workplace"),
    "supplier": N_("Your employer"),
    "facilitator": N_("A support organisation"),
    "msi": N_("The initiative"),
}
PLAN_ANSWERS = {
    "agree": N_("You agreed to the plan."),
    "object": N_("You objected to the plan. Your comment was sent to the grievance officer."),
    "call": N_("You asked for a call about the plan."),
}
DELIVERED = {
    True: N_("You said you received it."),
    False: N_("You said you did not receive it."),
}
OBJECTION_NEEDS_COMMENT = N_("Please write why you object.")
NOT_NOW = N_("This cannot be answered now.")
PLAN_ANSWERED = N_("You have already answered the plan.")

# Read out by an operator before the worker withdraws or erases: what their page asks them.
BEFORE_WITHDRAWING = N_(
    "If you withdraw it, nothing more will be done about it and nobody will contact you about "
    "it. This cannot be undone."
)
STILL_HELPING = N_(
    "The support services you agreed to are not told, and may still help you and contact "
    "you. To stop them, withdraw your agreement to each on your page."
)
BEFORE_ERASING = (
    N_("Erasing cannot be undone."),
    N_("The grievance officer will no longer be able to read what you wrote, your messages or "
       "your files, or to contact you."),
    N_("Without them, your case may not be able to go on."),
    N_("Only what does not identify you stays, such as the kind of problem."),
)  # fmt: skip
