"""A pain and function diary entry: what the programme reads to progress, hold or stop."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class DiaryEntry(BaseModel):
    """One day of the pain diary."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: date
    pain: int = Field(ge=0, le=10, description="Pain today on the 0-10 scale.")
    function: int | None = Field(
        default=None, ge=0, le=10, description="How much of usual activities was possible, 0-10."
    )
    new_leg_symptoms: bool = Field(
        default=False, description="New pain, numbness or tingling going down a leg."
    )
    warning_signs: dict[str, bool] = Field(
        default_factory=dict, description="Warning-sign finding ids asked that day: yes or no."
    )
    exercises_done: tuple[str, ...] = Field(default=(), description="Exercise ids done that day.")
