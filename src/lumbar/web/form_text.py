"""Text fields of the web app's forms, held to the API's length limits."""

from __future__ import annotations

from fastapi import HTTPException
from starlette.datastructures import FormData


def form_text(form: FormData, field: str, max_length: int) -> str:
    """The text of `field` ("" when it is missing or a file); 422 naming the field when it
    is longer than `max_length` characters."""
    value = form.get(field)
    text = value if isinstance(value, str) else ""
    if len(text) > max_length:
        raise HTTPException(422, f"{field}: at most {max_length} characters")
    return text
