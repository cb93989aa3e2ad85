"""What callers send to assessment, and what it answers to a write: pydantic at the edge."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from redress.events.catalogue.assessment import AnswerValue, Evidence
from redress.kit.dates import PlausibleDate
from redress.kit.numbers import JSON_INTEGER
from redress.kit.text import FilledProse, Line, Prose

ID = r"^[a-z0-9][a-z0-9-]{0,39}$"
Said = Annotated[FilledProse, Field(max_length=4000)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_null(cls, raw: Any) -> Any:
        # Optional fields are left out, never null: the schema publishes no null, so that
        # what it says is all that is accepted.
        if isinstance(raw, dict) and (nulls := sorted(k for k, v in raw.items() if v is None)):
            raise ValueError(f"leave out what you do not give, rather than null: {nulls}")
        return raw


class StartBody(Body):
    framework: str = Field("gm-journey", pattern=ID, max_length=40)
    version: Annotated[int, Field(ge=1, le=1000), JSON_INTEGER] | SkipJsonSchema[None] = Field(
        None, description="the framework's version; the latest when left out"
    )
    title: Annotated[Line, Field(max_length=200)] = ""


class EvidenceBody(Body):
    """A description of the evidence, a link to it, or both."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["text"]},
                                                           {"required": ["url"]}]})  # fmt: skip

    text: Said | SkipJsonSchema[None] = None
    url: (
        Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2000)] | SkipJsonSchema[None]
    ) = None

    @field_validator("url", mode="before")
    @classmethod
    def _a_web_link(cls, value: Any) -> Any:
        # Said before the pattern's words ("should match pattern..."): what is wrong with it.
        if isinstance(value, str) and not value.strip().lower().startswith(("http://", "https://")):
            raise ValueError("a link starts with http:// or https://")
        return value

    @model_validator(mode="after")
    def _something(self) -> EvidenceBody:
        if self.text is None and self.url is None:
            raise ValueError("give a text, a link or both")
        return self

    def evidence(self) -> Evidence:
        return Evidence(text=self.text or "", url=self.url)


class AnswerBody(Body):
    answer: AnswerValue
    reason: Annotated[Prose, Field(max_length=4000)] = Field(
        "", description="why the criterion does not apply (without a reason, not applicable "
        "counts as not met), or a note"
    )  # fmt: skip
    evidence: list[EvidenceBody] = Field(default_factory=list, max_length=20)


class VerifyBody(Body):
    comment: Annotated[Prose, Field(max_length=4000)] = ""


class CommentBody(Body):
    comment: Said


class ReplyBody(Body):
    """A reply to a challenge; with `answer`, a revised answer too, whose `reason` and
    `evidence` replace the answer's (they are refused without it, rather than dropped)."""

    model_config = ConfigDict(json_schema_extra={
        "dependentRequired": {"reason": ["answer"], "evidence": ["answer"]}})  # fmt: skip

    comment: Said
    answer: AnswerValue | SkipJsonSchema[None] = None
    reason: Annotated[Prose, Field(max_length=4000)] = ""
    evidence: list[EvidenceBody] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _revised_with_its_answer(self) -> ReplyBody:
        if self.answer is None and {"reason", "evidence"} & self.model_fields_set:
            raise ValueError(
                "a reason or evidence revises the answer: send the answer with them "
                "(the same value to keep it)"
            )
        return self


class ProposeBody(Body):
    comment: Annotated[Prose, Field(max_length=4000)] = ""


class ActionBody(Body):
    # Blank is the domain's to refuse, as 422 `owner-required`: the kind clients are told.
    owner: Annotated[Prose, Field(max_length=200, description="who in your organisation "
                                  "answers for it: a role or a name; not blank")]  # fmt: skip
    due_on: PlausibleDate
    description: Annotated[Prose, Field(max_length=4000)] = ""


class ProgressBody(Body):
    note: Said
    done: StrictBool = False


class Written(BaseModel):
    """Where the change is: read it back with `min_version` to see your own write."""

    assessment_id: str
    version: int


class Attached(Written):
    file_id: str
