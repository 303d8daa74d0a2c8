"""Request bodies, validated with the field named in every error."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL characters


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssessRequest(Body):
    answers: dict[str, Any] = Field(description="Finding id to answer; 'unknown' if not known.")
    asked: int = Field(default=0, ge=0, description="Questions asked so far (for the cap).")


class LoginRequest(Body):
    email: str = Field(min_length=3, max_length=320, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=1024)


class PatientCreate(Body):
    label: str | None = Field(
        default=None, max_length=100, pattern=NO_NUL, description="The clinic's reference."
    )
    sex: Literal["female", "male"] | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)


class AssessmentCreate(Body):
    answers: dict[str, Any]
    language: Literal["en", "uk", "ru"] = "en"


class InterviewCreate(Body):
    language: Literal["en", "uk", "ru"] = "en"


class InterviewAnswers(Body):
    answers: dict[str, Any] = Field(description="All answers so far (replaces the stored ones).")
    asked: list[str] = Field(default_factory=list, description="Question ids asked so far.")


class DiaryCreate(Body):
    day: date
    pain: int = Field(ge=0, le=10)
    function: int | None = Field(default=None, ge=0, le=10)
    new_leg_symptoms: bool = False
    warning_signs: dict[str, bool] = Field(default_factory=dict)
    exercises_done: list[str] = Field(default_factory=list, max_length=100)


class UserCreate(Body):
    email: str = Field(min_length=3, max_length=320, pattern=NO_NUL)
    password: str = Field(min_length=10, max_length=1024)
    role: Literal["patient", "clinician", "admin"]
    clinic: str | None = Field(
        default=None, max_length=200, pattern=NO_NUL, description="Clinic name."
    )


class ApiKeyCreate(Body):
    name: str = Field(min_length=1, max_length=100, pattern=NO_NUL)
