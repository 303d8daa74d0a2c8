"""Storage tests, run against SQLite and a real PostgreSQL server."""
