"""Storage and security: database models and migrations, accounts, access rules, audit log.

SQLite by default, PostgreSQL by URL (see docs/storage.md). Functions take a SQLAlchemy
Session, add and flush, and leave committing to the caller.
"""
