"""Alembic migrations of the lumbar database; run them with lumbar.storage.migrate."""
