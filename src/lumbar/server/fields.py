"""Lengths of the fields both HTTP shells accept (API bodies and web forms alike)."""

from __future__ import annotations

MAX_EMAIL = 320
MAX_PASSWORD = 1024
MAX_LABEL = 100  # as the database column
