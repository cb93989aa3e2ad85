"""Worker-facing words that live in code; templates hold the rest. All are translated."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for the catalogues; it is translated where it is shown."""
    return message


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
    "withdrawn": N_("Withdrawn at your request"),
    "erased": N_("Your personal data was erased"),
}

WRONG_RECEIPT = N_("That reference and secret number do not match. Please check them.")
LOCKED = N_("Too many wrong tries. This reference is locked for a while; try again later.")
REPLY_SENT = N_("Your message was sent.")
WITHDRAWN = N_("Your report is withdrawn.")
ERASED = N_("Your personal data was erased.")
SESSION_ENDED = N_("Please open your report again with your receipt.")

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
