"""What the routes answer, as published in the OpenAPI description.

The envelopes are typed field by field and closed (`additionalProperties: false`), so the
description says exactly what a client gets and FastAPI checks every reply against it. The
engine's own results (an assessment, a question, a care plan, a programme) are JSON objects
whose fields docs/api.md and the engine describe; they are published as open objects.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["en", "uk", "ru"]
Role = Literal["patient", "clinician", "admin", "integration"]
EngineObject = dict[str, Any]


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(Reply):
    limit: int
    offset: int


class Health(Reply):
    status: Literal["ok"]
    kb_version: str


class StatelessAssessment(Reply):
    assessment: EngineObject | None = Field(
        description="The assessment, with `text` in the chosen language; null until age and "
        "sex are known."
    )
    next_question: EngineObject | None = Field(
        description="The next question (id, kind, findings, purpose, prompt, help, why, "
        "options); null when the interview should stop."
    )
    should_stop: bool
    urgent_red_flags: list[str] = Field(description="Red-flag rules the answers already fire.")
    language: Language


class Token(Reply):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int = Field(description="Seconds.")


class Account(Reply):
    id: str
    email: str
    role: Role
    clinic_id: str | None
    patient_id: str | None = Field(description="A patient account's own record.")
    active: bool
    has_password: bool = Field(
        description="false: an invited person who has not chosen a password, or an integration."
    )


class AccountPage(Page):
    items: list[Account]


class Invitation(Reply):
    code: str = Field(
        description="Shown only in this reply: give it to the person, who sets their own "
        "password with it (POST /v1/auth/invitation, or the web app's invitation page)."
    )
    expires_at: datetime


class NewAccount(Reply):
    account: Account
    invitation: Invitation | None = Field(description="For a person; null for an integration.")


class ApiKey(Reply):
    id: str
    prefix: str
    name: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyList(Reply):
    items: list[ApiKey]


class NewApiKey(Reply):
    id: str
    prefix: str
    name: str
    scopes: list[str]
    created_at: datetime
    key: str = Field(description="Shown only in this reply.")


class AuditEvent(Reply):
    id: int
    at: datetime
    actor_user_id: str | None
    actor_kind: Literal["user", "api_key", "anonymous", "system"]
    action: str
    resource_type: str
    resource_id: str | None
    patient_id: str | None
    client_address: str | None
    outcome: Literal["ok", "denied", "not_found", "invalid", "error"]
    request_id: str | None


class AuditPage(Page):
    items: list[AuditEvent]


class Patient(Reply):
    id: str
    clinic_id: str | None
    label: str | None
    sex: Literal["female", "male"] | None
    birth_year: int | None
    created_at: datetime


class PatientPage(Page):
    items: list[Patient]


class Assessment(Reply):
    id: str
    patient_id: str
    kb_version: str
    language: Language
    triage_level: str
    red_flags_open: bool
    started_at: datetime
    finished_at: datetime
    answers: dict[str, Any]
    result: EngineObject = Field(description="The assessment, with `text` in the language.")


class AssessmentPage(Page):
    items: list[Assessment]


class QueueEntry(Reply):
    id: str = Field(description="The assessment.")
    patient_id: str
    triage_level: str
    finished_at: datetime


class QueuePage(Page):
    items: list[QueueEntry]


class Interview(Reply):
    id: str
    patient_id: str
    status: Literal["in_progress", "finished", "abandoned"]
    language: Language
    answers: dict[str, Any]
    asked: list[str]
    assessment_id: str | None = Field(description="Once finished.")
    next_question: EngineObject | None
    should_stop: bool
    urgent_red_flags: list[str]


class DiaryEntry(Reply):
    id: str
    day: date
    pain: int = Field(ge=0, le=10)
    function: int | None = Field(ge=0, le=10)
    new_leg_symptoms: bool
    warning_signs: dict[str, bool]
    exercises_done: list[str]
    created_at: datetime


class DiaryPage(Page):
    items: list[DiaryEntry]


class CarePlan(BaseModel):
    """The assessment's care plan: its fields and, per treatment, `treatment_text` from the
    catalogue (patients: the medicine's class and "ask a doctor or pharmacist", no doses)."""

    model_config = ConfigDict(extra="allow")

    mode: Literal["patient", "clinician"]
    disclaimer: str


class Programme(BaseModel):
    """The exercise programme (status, reasons, phase, step, days with sessions...)."""

    model_config = ConfigDict(extra="allow")

    assessment_id: str
    status: Literal["active", "on_hold", "stopped"]
