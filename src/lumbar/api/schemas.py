"""Request bodies, validated with the field named in every error.

Every body is strict (a number is not "5", true is not "yes") and bounded: every string,
list and object has a largest length. Bounded strings are also checked to be valid Unicode,
so no surrogate code point (which no database can store and no JSON reply can carry) gets in.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from lumbar.server.fields import MAX_EMAIL, MAX_LABEL, MAX_PASSWORD
from lumbar.surrogates import has_surrogates

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters
MAX_ITEMS = 500  # answers, questions asked, warning signs: more than the knowledge base has
MAX_WORD = 64  # an answer given as a word: an option of a choice, or "unknown"

FINDING_ID = r"^[a-z0-9_]{1,64}$"
FindingId = Annotated[str, Field(pattern=FINDING_ID)]
EMAIL = r"^[^\x00@]+@[^\x00]+$"  # an @ with something either side, no NUL characters
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    """Only an ISO date text (2026-11-20): a number is not a date (lax parsing would read
    `0` as 1970-01-01)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or ISO_DATE.fullmatch(value) is None:
        raise ValueError("must be an ISO date like 2026-11-20")
    return date.fromisoformat(value)


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def whole_number(value: object) -> object:
    """JSON has one number type: 5.0 is the whole number 5 (as JSON Schema's `integer`
    says); "5", true and 5.5 are not. For `field_validator(..., mode="before")`, which
    keeps the field's published minimum and maximum (an annotated validator would not)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


ExerciseId = FindingId
QuestionId = Annotated[str, Field(pattern=r"^[a-z0-9_:,]{1,500}$")]  # "danger:a,b,c" too


def _scalar_answer(value: object) -> object:
    """One clear error for an answer that is a list, an object, a long text or not Unicode."""
    if isinstance(value, list | dict) or (isinstance(value, str) and len(value) > MAX_WORD):
        raise ValueError(
            f"must be true, false, a number, a word of at most {MAX_WORD} characters or null"
        )
    if has_surrogates(value):
        raise ValueError("must be valid Unicode: it holds a surrogate code point")
    return value


AnswerValue = Annotated[
    bool | int | float | Annotated[str, Field(max_length=MAX_WORD)] | None,
    BeforeValidator(_scalar_answer),
]
Answers = Annotated[
    dict[FindingId, AnswerValue],
    Field(
        max_length=MAX_ITEMS,
        description="Finding id to answer; 'unknown' if not known.",
        json_schema_extra={"propertyNames": {"pattern": FINDING_ID}},
    ),
]


class Body(BaseModel):
    """A JSON request body: strict types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class AssessRequest(Body):
    answers: Answers
    asked: int = Field(
        default=0, ge=0, le=MAX_ITEMS, description="Questions asked so far (for the cap)."
    )
    _whole = field_validator("asked", mode="before")(whole_number)


class LoginRequest(Body):
    email: str = Field(min_length=3, max_length=MAX_EMAIL, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD)


class PatientCreate(Body):
    label: str | None = Field(
        default=None, max_length=MAX_LABEL, pattern=NO_NUL, description="The clinic's reference."
    )
    sex: Literal["female", "male"] | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    _whole = field_validator("birth_year", mode="before")(whole_number)


class AssessmentCreate(Body):
    answers: Answers
    language: Literal["en", "uk", "ru"] = "en"


class InterviewCreate(Body):
    language: Literal["en", "uk", "ru"] = "en"


class InterviewAnswers(Body):
    answers: Answers = Field(description="All answers so far (replaces the stored ones).")
    asked: list[QuestionId] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Question ids asked so far."
    )


class DiaryCreate(Body):
    day: IsoDate = Field(strict=False, description="An ISO date, e.g. 2026-11-20.")
    pain: int = Field(ge=0, le=10)
    function: int | None = Field(default=None, ge=0, le=10)
    new_leg_symptoms: bool = False
    warning_signs: dict[FindingId, bool] = Field(
        default_factory=dict,
        max_length=MAX_ITEMS,
        json_schema_extra={"propertyNames": {"pattern": FINDING_ID}},
    )
    exercises_done: list[ExerciseId] = Field(
        default_factory=list, max_length=100, json_schema_extra={"uniqueItems": True}
    )
    _whole = field_validator("pain", "function", mode="before")(whole_number)
