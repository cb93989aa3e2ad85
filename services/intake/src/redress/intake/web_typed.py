"""What the worker typed into a page's boxes: kept to come back in its box when it could not
be sent (`Unsent`), checked before it is sent (`typed`), and why not said in the worker's
language (`said`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends, Form

from redress.intake.context import Intake
from redress.intake.texts import CONTROLS_TAKEN_OUT, TOO_LONG, Counted
from redress.kit.text import strip_controls

# More of a referral's boxes than a status page offers never came from one.
TICKED_LIMIT = 50


@dataclass(frozen=True)
class Unsent:
    """What the worker typed and could not send yet (the page or the session had expired, or
    the text was refused): it comes back in its box."""

    reply: str | None = None
    retaliation: bool = False  # the reply's box, ticked as the worker left it
    plan: str | None = None  # a comment objecting to the plan
    # The grievance it was written for, sealed by the status page (`form_origin`): carried
    # only into that one, never into a report opened next on the same phone.
    origin: str | None = None
    # A referral's boxes ticked and not agreed to yet, each naming its request
    # ("referral/partner/field"): ticked again on the page that follows.
    ticked: frozenset[str] = frozenset()

    @classmethod
    def kept(
        cls, reply: object = None, retaliation: bool = False, plan: object = None,
        origin: str | None = None, ticked: Iterable[object] = (),
    ) -> Unsent:  # fmt: skip
        """What is worth keeping of what came: texts, not blanks; boxes that name their
        request (a box of a request's own form means nothing on another page)."""
        boxes = frozenset(t for t in ticked if isinstance(t, str) and t.count("/") == 2)
        return cls(_kept(reply), retaliation, _kept(plan), origin,
                   frozenset(sorted(boxes)[:TICKED_LIMIT]))  # fmt: skip

    def without_request(self, referral: str, partner: str) -> Unsent:
        """Less the boxes of a request just answered: they were agreed to, or not."""
        mine = f"{referral}/{partner}/"
        return replace(self, ticked=frozenset(t for t in self.ticked if not t.startswith(mine)))

    @property
    def context(self) -> dict[str, Any]:
        """For the templates, which name the reply `draft` and the comment `plan_draft`."""
        return {"draft": self.reply, "retaliation": self.retaliation, "plan_draft": self.plan,
                "origin": self.origin}  # fmt: skip


NOTHING_UNSENT = Unsent()


def _kept(typed: object) -> str | None:
    return typed if isinstance(typed, str) and typed.strip() else None


# The longest reply or comment a worker may send; the form's parser takes far more, so that
# a longer one comes back on the page to be shortened, not as an error page without it.
TYPED_LIMIT = 5000
TYPED_PARSED = 100_000

Said = tuple[str | Counted, dict[str, object]]
"""A message for the worker (a msgid of intake's texts, or a counted one) and what fills it in."""


def typed(text: str | None) -> tuple[str | None, Said | None]:
    """A reply or comment as the page keeps it for the worker, and why it cannot be sent.

    Control characters cannot be seen, so nobody could find them to take them out: the text
    comes back without them, to be checked and sent again. A text over the limit comes back
    whole, to be shortened.
    """
    if text is None:
        return None, None
    # A browser counts a line break as one character against the box's `maxlength` and
    # sends it as two (CRLF): counted as it counted, a box filled to its limit fits.
    if len(text.replace("\r\n", "\n")) > TYPED_LIMIT:
        return strip_controls(text), (TOO_LONG, {"limit": TYPED_LIMIT})
    if (kept := strip_controls(text)) != text:
        return kept, (CONTROLS_TAKEN_OUT, {})
    return text, None


def said(intake: Intake, lang: str, error: str | Said | None) -> str | None:
    """An error for the page, in the worker's language."""
    if error is None:
        return None
    message, values = (error, {}) if isinstance(error, str) else error
    return intake.pages.said(lang, message, values)


# Async, as every dependency is: a plain one would run on the thread pool.
async def _beside(
    message: str | None = Form(None, max_length=TYPED_PARSED),
    retaliation: str | None = Form(None, pattern="^yes$"),
    comment: str | None = Form(None, max_length=TYPED_PARSED),
    origin: str | None = Form(None, max_length=1000),
    field: Annotated[list[str] | None, Form(max_length=TICKED_LIMIT)] = None,
) -> Unsent:
    return Unsent.kept(typed(message)[0], bool(retaliation), typed(comment)[0], origin,
                       field or ())  # fmt: skip


Beside = Annotated[Unsent, Depends(_beside)]
"""What is written in the status page's reply form when one of its other buttons sends it
to another address (a referral's consent, a representative's answer): kept for the page
that follows, never sent from there."""
