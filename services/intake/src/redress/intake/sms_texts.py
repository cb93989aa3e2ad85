"""What the worker reads by SMS, in their language: the words are the catalogues' (msgids
marked here, in one block of each catalogue: "Texts by SMS"), rendered when a text is sent.

Each English text fits one GSM-7 segment (160 characters) with a reference and a short label;
a script outside GSM-7 (Bengali, Arabic…) travels as UCS-2, 70 characters a segment, and is
split and counted (`segments`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from redress.events.catalogue.texts import TextKind
from redress.intake.texts import GROUNDS, N_, OUTCOMES, STATUS, THANKS

SMS_ACKNOWLEDGED = N_("We received your report %(reference)s. We will text you at each step.")
# Said once, with the first text: how to stop them (a phone others may read), in the worker's
# language, with the word the gateway knows in every language (`sms_words.STOP`).
SMS_HOW_TO_STOP = N_("Reply STOP to stop these texts.")
# Said with the acknowledgement: a worker with a basic phone asks where their report stands
# by text (`sms_words.STATUS_WORDS`), the word the same in every language, as STOP is.
SMS_HOW_TO_ASK = N_("Reply STATUS to learn where your report stands.")
SMS_STAGE = N_("Your report %(reference)s: %(stage)s")
SMS_MESSAGE = N_("The grievance officer wrote about your report %(reference)s: %(text)s")
SMS_REJECTED = N_("Your report %(reference)s was not taken up. %(grounds)s")
SMS_OUTCOME = N_("Your report %(reference)s is closed: %(outcome)s")
SMS_SATISFACTION = N_(
    "How satisfied are you with how your report was handled? Reply with one number: "
    "5 very satisfied, 4, 3, 2, 1 very unhappy."
)
# Says nothing of what is asked: whoever else reads the phone must not learn of a referral.
SMS_QUESTION = N_(
    "Your report %(reference)s: there is a question for you. To answer, open your report with "
    "your receipt, or call us."
)
SMS_QUESTION_CALL = N_(
    "Your report %(reference)s: there is a question for you. To answer, open your report with "
    "your receipt, or call us on %(hotline)s."
)
# The initiative's hotline, where it gives one: in the answer to STATUS, and on every page.
CALL_US = N_("To talk to us, call %(hotline)s.")
# STATUS from a phone no report may be texted to (none filed with it, or texts stopped): it
# says nothing of whether one exists, since whoever holds the phone may not be the worker.
SMS_NO_REPORT = N_(
    "We have no report to text you about on this phone. Follow yours on our website with "
    "your receipt."
)
SMS_RECEIPT = N_(
    "Your report %(reference)s has a new secret number: %(secret)s. The old one no longer works."
)
SMS_THANKS = THANKS
# The answer to a text (TwiML), from words the worker pages already have.
SMS_FILED = (N_("Your report was received"), N_("Reference"), N_("Secret number"))
SMS_JOINED = N_("Your message was sent.")
# A text with nothing to read (empty, or a photo alone): nothing is filed, the worker is asked.
SMS_UNREADABLE = N_("We could not read your text. Please write in words what happened.")
# A receipt's secret texted to us is never kept: what to do instead.
SMS_SECRET_ONLY = N_(
    "Your secret number was not kept: never text it. Use it only on our website to follow "
    "your report. Texts from the phone you reported by join that report."
)
SMS_SECRET_DROPPED = N_("Your secret number was left out: never text it.")
SMS_NEW_AFTER_CLOSED = N_("Your earlier report is closed, so this text is a new report.")
# STOP and START, answered as the status page answers its contact buttons.
CONTACT_STOPPED = N_("Saved: nobody will contact you about your report.")
CONTACT_ALLOWED = N_("Saved: the grievance officer may contact you.")

# Scripts that name a language of the catalogues (the first that the tenant offers, else the
# first); a text in Latin script, or in none of these, is answered in the default language
# (the caller's: the initiative's first language, or the report's).
_SCRIPTS: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (0x0980, 0x09FF, ("bn",)), (0x0900, 0x097F, ("hi", "ne")), (0x0600, 0x06FF, ("ar", "ur")),
    (0x1000, 0x109F, ("my",)), (0x1780, 0x17FF, ("km",)), (0x1200, 0x137F, ("am",)),
    (0x0E00, 0x0E7F, ("th",)), (0x0D80, 0x0DFF, ("si",)), (0x0B80, 0x0BFF, ("ta",)),
    (0x0400, 0x04FF, ("ru", "uk")), (0x4E00, 0x9FFF, ("zh",)),
)  # fmt: skip


def language_of(text: str, offered: Sequence[str], default: str = "en") -> str:
    """The language a text is written in, as far as its script tells."""
    counts: dict[tuple[str, ...], int] = {}
    for ch in text:
        point = ord(ch)
        for low, high, languages in _SCRIPTS:
            if low <= point <= high:
                counts[languages] = counts.get(languages, 0) + 1
                break
    if not counts:
        return default
    languages = max(counts, key=lambda k: counts[k])
    return next((lang for lang in languages if lang in offered), languages[0])


def filed(reference: str, secret: str, gettext: Callable[[str], str]) -> str:
    """The answer to a worker's first text: their receipt, the secret in groups of four."""
    heading, reference_label, secret_label = (gettext(m) for m in SMS_FILED)
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return f"{heading}. {reference_label}: {reference}. {secret_label}: {spaced}"


# The stages a text tells of: the first (being checked) goes with the acknowledgement, and
# closure with the outcome.
# An officer's message is texted up to this many characters (at most 7 UCS-2 segments).
MESSAGE_SHOWN = 400

STAGES_TEXTED = ("verification", "response", "remediation_plan", "implementation")


def render(kind: TextKind, params: Mapping[str, str], gettext: Callable[[str], str]) -> str:
    """The text of `kind` in the language of `gettext`, from its non-personal `params` (and
    an officer's message or a new secret, opened just before; the initiative's hotline, read
    when it is sent)."""
    _ = gettext
    reference = params.get("reference", "")
    match kind:
        case TextKind.acknowledged:
            said = _(SMS_ACKNOWLEDGED) % {"reference": reference}
            return f"{said} {_(SMS_HOW_TO_ASK)} {_(SMS_HOW_TO_STOP)}"
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
        case TextKind.question:
            if hotline := params.get("hotline"):
                return _(SMS_QUESTION_CALL) % {"reference": reference, "hotline": hotline}
            return _(SMS_QUESTION) % {"reference": reference}
        case TextKind.receipt:
            secret = params.get("secret", "")
            spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
            return _(SMS_RECEIPT) % {"reference": reference, "secret": spaced}
    raise AssertionError(f"unknown text kind {kind}")
