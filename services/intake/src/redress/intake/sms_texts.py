"""What the worker reads by SMS, in their language: the words are the catalogues' (msgids
marked here, in one block of each catalogue: "Texts by SMS"), rendered when a text is sent.

Each English text fits one GSM-7 segment (160 characters) with a reference and a short label;
a script outside GSM-7 (Bengali, Arabic…) travels as UCS-2, 70 characters a segment, and is
split and counted (`segments`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from redress.events.catalogue.texts import TextKind
from redress.intake.texts import GROUNDS, N_, OUTCOMES, STATUS, THANKS

SMS_ACKNOWLEDGED = N_("We received your report %(reference)s. We will text you at each step.")
SMS_STAGE = N_("Your report %(reference)s: %(stage)s")
SMS_MESSAGE = N_("The grievance officer wrote about your report %(reference)s: %(text)s")
SMS_REJECTED = N_("Your report %(reference)s was not taken up. %(grounds)s")
SMS_OUTCOME = N_("Your report %(reference)s is closed: %(outcome)s")
SMS_SATISFACTION = N_(
    "How satisfied are you with how your report was handled? Reply with one number: "
    "5 very satisfied, 4, 3, 2, 1 very unhappy."
)
SMS_RECEIPT = N_(
    "Your report %(reference)s has a new secret number: %(secret)s. The old one no longer works."
)
SMS_THANKS = THANKS

# The stages a text tells of: the first (being checked) goes with the acknowledgement, and
# closure with the outcome.
# An officer's message is texted up to this many characters (at most 7 UCS-2 segments).
MESSAGE_SHOWN = 400

STAGES_TEXTED = ("verification", "response", "remediation_plan", "implementation")


def render(kind: TextKind, params: Mapping[str, str], gettext: Callable[[str], str]) -> str:
    """The text of `kind` in the language of `gettext`, from its non-personal `params` (and
    an officer's message or a new secret, opened just before)."""
    _ = gettext
    reference = params.get("reference", "")
    match kind:
        case TextKind.acknowledged:
            return _(SMS_ACKNOWLEDGED) % {"reference": reference}
        case TextKind.stage:
            stage = _(STATUS.get(params.get("stage", ""), STATUS["verification"]))
            return _(SMS_STAGE) % {"reference": reference, "stage": stage}
        case TextKind.message:
            text = params.get("text", "")
            if len(text) > MESSAGE_SHOWN:  # the rest is on the status page
                text = text[: MESSAGE_SHOWN - 1] + "…"
            return _(SMS_MESSAGE) % {"reference": reference, "text": text}
        case TextKind.rejected:
            grounds = GROUNDS.get(params.get("grounds", ""))
            said = _(grounds) if grounds else ""
            return (_(SMS_REJECTED) % {"reference": reference, "grounds": said}).strip()
        case TextKind.outcome:
            outcome = _(OUTCOMES.get(params.get("outcome", ""), OUTCOMES["resolved"]))
            return _(SMS_OUTCOME) % {"reference": reference, "outcome": outcome}
        case TextKind.satisfaction:
            return _(SMS_SATISFACTION)
        case TextKind.receipt:
            secret = params.get("secret", "")
            spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
            return _(SMS_RECEIPT) % {"reference": reference, "secret": spaced}
    raise AssertionError(f"unknown text kind {kind}")
