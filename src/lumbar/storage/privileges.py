"""PostgreSQL roles: the owner of the tables migrates; the server connects as a role that
owns nothing and may only add to the write-once tables.

The write-once triggers stop a mistake, not the tables' owner: an owner may disable or
drop a trigger, and a superuser passes every check. With two roles the server's own
connections cannot change an assessment or an audit event at all: the application role
(LUMBAR_DATABASE_URL) has SELECT and INSERT on `assessments`, `audit_events` and
`red_flag_reviews`, SELECT,
INSERT, UPDATE and DELETE on the other tables, USAGE and SELECT on their sequences, SELECT
on `alembic_version`, and nothing else; the owner (LUMBAR_MIGRATION_DATABASE_URL) runs the
migrations and `grant_application_role`. ALTER TABLE, DISABLE TRIGGER, DROP TRIGGER and
TRUNCATE need ownership or a privilege the application role does not get.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, inspect, make_url, text

from lumbar.storage.database import lock_for_setup, make_engine
from lumbar.storage.migrate import upgrade
from lumbar.storage.models import Base
from lumbar.storage.settings import Settings

WRITE_ONCE_TABLES = ("assessments", "audit_events", "red_flag_reviews")
APPEND_ONLY = ("SELECT", "INSERT")
READ_WRITE = ("SELECT", "INSERT", "UPDATE", "DELETE")
READ_ONLY_TABLES = ("alembic_version",)
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


class PrivilegeError(RuntimeError):
    """The role cannot be made a safe application role; nothing was changed."""


@dataclass
class GrantReport:
    """What the application role may do now, table by table, and any warning."""

    role: str
    schema: str
    tables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sequences: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def table_privileges(table: str) -> tuple[str, ...]:
    """What the application role gets on `table`."""
    if table in WRITE_ONCE_TABLES:
        return APPEND_ONLY
    if table in READ_ONLY_TABLES:
        return ("SELECT",)
    return READ_WRITE


def _one(connection: Connection, sql: str, **params: object) -> object:
    return connection.execute(text(sql), params).scalar()


def _lumbar_tables(connection: Connection, schema: str) -> list[str]:
    existing = set(inspect(connection).get_table_names(schema=schema))
    wanted = [*Base.metadata.tables, *READ_ONLY_TABLES]
    return [table for table in wanted if table in existing]


def _role_problems(connection: Connection, role: str, tables: list[str]) -> list[str]:
    """Why `role` could change write-once rows whatever it is granted; empty if nothing."""
    found = connection.execute(
        text("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = :role"),
        {"role": role},
    ).first()
    if found is None:
        return [f"there is no role {role!r}: CREATE ROLE it first"]
    problems = []
    if found.rolsuper:
        problems.append(f"{role} is a superuser: it passes every permission check")
    if found.rolcreaterole:
        problems.append(f"{role} has CREATEROLE: it could give itself the owner's role")
    if role == _one(connection, "SELECT current_user"):
        problems.append(f"{role} is the role running the migrations: use two roles")
    owners = connection.execute(
        text(
            "SELECT DISTINCT tableowner FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = ANY(:tables)"
        ),
        {"tables": tables},
    ).scalars()
    for owner in owners:
        if owner == role:
            problems.append(f"{role} owns tables: it could alter them and their triggers")
        elif _one(
            connection, "SELECT pg_has_role(:role, :owner, 'MEMBER')", role=role, owner=owner
        ):
            problems.append(f"{role} is a member of {owner}, the tables' owner")
    return problems


def _write_once_leaks(connection: Connection, role: str) -> list[str]:
    """Changes the role may still make to write-once rows (e.g. granted to PUBLIC)."""
    leaks = []
    for table in WRITE_ONCE_TABLES:
        for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES"):
            if _one(
                connection,
                "SELECT has_table_privilege(:role, :table, :privilege)",
                role=role,
                table=table,
                privilege=privilege,
            ):
                leaks.append(f"{role} may still {privilege} {table} (through PUBLIC or a role)")
    return leaks


def grant_application_role(url: str, role: str) -> GrantReport:
    """As the tables' owner at `url` (PostgreSQL), grant `role` exactly what the server
    needs (see the module's docstring), revoking anything else it had on lumbar's tables.
    In one transaction under the setup lock; raises PrivilegeError, changing nothing, when
    the role could change write-once rows anyway (a superuser, the owner or a member of
    its role, CREATEROLE, a privilege through PUBLIC). Run it again after a migration that
    adds a table (`lumbar serve` and `lumbar db upgrade` do, with two roles set)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name != "postgresql":
                raise PrivilegeError("roles are for PostgreSQL: SQLite has none")
            lock_for_setup(connection)
            schema = str(_one(connection, "SELECT current_schema()"))
            tables = _lumbar_tables(connection, schema)
            if not tables:
                raise PrivilegeError("the database has no lumbar tables: migrate it first")
            problems = _role_problems(connection, role, tables)
            if problems:
                raise PrivilegeError("; ".join(problems))
            report = _grant(connection, role, schema, tables)
            leaks = _write_once_leaks(connection, role)
            if leaks:
                raise PrivilegeError("; ".join(leaks))
            return report
    finally:
        engine.dispose()


def _sequences(connection: Connection, schema: str, table: str) -> list[str]:
    """The sequences of the table's key columns (audit_events.id), qualified and quoted."""
    model = Base.metadata.tables.get(table)
    found = []
    for column in model.primary_key if model is not None else ():
        sequence = _one(
            connection,
            "SELECT pg_get_serial_sequence(:table, :column)",
            table=f"{schema}.{table}",
            column=column.name,
        )
        if sequence is not None:
            found.append(str(sequence))
    return found


def _grant(connection: Connection, role: str, schema: str, tables: list[str]) -> GrantReport:
    quote = connection.dialect.identifier_preparer.quote
    grantee = quote(role)
    report = GrantReport(role, schema)
    for table in tables:
        name = f"{quote(schema)}.{quote(table)}"
        privileges = table_privileges(table)
        connection.execute(text(f"REVOKE ALL ON TABLE {name} FROM {grantee}"))
        connection.execute(text(f"GRANT {', '.join(privileges)} ON TABLE {name} TO {grantee}"))
        report.tables[table] = privileges
        for sequence in _sequences(connection, schema, table):
            connection.execute(text(f"REVOKE ALL ON SEQUENCE {sequence} FROM {grantee}"))
            connection.execute(text(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {grantee}"))
            report.sequences.append(sequence)
    on_schema = "SELECT has_schema_privilege(:role, :schema, :privilege)"
    if not _one(connection, on_schema, role=role, schema=schema, privilege="USAGE"):
        connection.execute(text(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {grantee}"))
    if _one(connection, on_schema, role=role, schema=schema, privilege="CREATE"):
        report.warnings.append(
            f"{role} may create objects in schema {schema} (PostgreSQL before 15 lets PUBLIC): "
            f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC"
        )
    return report


def _who(url: str) -> tuple[str, str]:
    """The role a connection to `url` acts as, and the database it reaches."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT current_user, current_database()")).one()
            return str(row[0]), str(row[1])
    finally:
        engine.dispose()


def application_role(settings: Settings) -> str:
    """The role LUMBAR_DATABASE_URL connects as; PrivilegeError unless it reaches the
    database LUMBAR_MIGRATION_DATABASE_URL migrates."""
    role, database = _who(settings.database_url)
    _, migrated = _who(settings.migration_database_url)
    if database != migrated:
        raise PrivilegeError(
            f"LUMBAR_DATABASE_URL reaches database {database}, "
            f"LUMBAR_MIGRATION_DATABASE_URL {migrated}: they must be one database"
        )
    return role


def migration_url(settings: Settings) -> str:
    """The URL that migrates: LUMBAR_MIGRATION_DATABASE_URL if set, else LUMBAR_DATABASE_URL."""
    if settings.migration_database_url:
        if make_url(settings.database_url).get_backend_name() != "postgresql":
            raise PrivilegeError("LUMBAR_MIGRATION_DATABASE_URL is for PostgreSQL databases")
        return settings.migration_database_url
    return settings.database_url


def upgrade_and_grant(settings: Settings, revision: str = "head") -> GrantReport | None:
    """Migrate through `migration_url`; with two roles set, then grant the application
    role (the one LUMBAR_DATABASE_URL connects as) what the server needs. None: one role."""
    url = migration_url(settings)
    upgrade(url, revision)
    if not settings.migration_database_url:
        return None
    return grant_application_role(url, application_role(settings))
