"""Request bodies of the account routes: invitations, passwords, users, API keys."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from lumbar.api.schemas import EMAIL, NO_NUL, Body
from lumbar.storage.roles import SCOPES

Password = Field(min_length=1, max_length=1024)
NewPassword = Field(min_length=10, max_length=1024, description="At least 10 characters.")
Scope = Literal[SCOPES]  # type: ignore[valid-type]


class InvitationAccept(Body):
    invitation: str = Field(
        min_length=1, max_length=200, pattern=NO_NUL, description="The code an admin gave."
    )
    password: str = NewPassword


class PasswordChange(Body):
    current_password: str = Password
    new_password: str = NewPassword


class UserCreate(Body):
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL)
    role: Literal["patient", "clinician", "admin", "integration"]
    clinic: str | None = Field(
        default=None,
        max_length=200,
        pattern=NO_NUL,
        description="Clinic name, created when new; clinicians and integrations need one.",
    )


class UserUpdate(Body):
    active: bool = Field(description="false: the account can no longer sign in or act.")


class ApiKeyCreate(Body):
    name: str = Field(min_length=1, max_length=100, pattern=NO_NUL)
    scopes: list[Scope] = Field(
        min_length=1, max_length=len(SCOPES), description="The actions the key may do."
    )
