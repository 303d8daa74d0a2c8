"""Integration accounts, invitations, token versions, API key scopes, the audit hash chain.

- `users.role` may be `integration` (an account for a clinic's system, used only through
  API keys); `password_hash` may be empty (an invited person who has not chosen a password,
  or an integration); `token_version` invalidates every token of an account when it
  changes (deactivation, password change).
- `invitations`: a one-time, expiring invitation with which a person sets their own
  password. Only a hash of the invitation is kept.
- `api_keys.scopes`: the named actions a key may do. Keys that acted as a person
  (patients, clinicians, admins) are revoked: keys belong to integration accounts now.
- `audit_events.chain_hash` links each event to the one before (HMAC with a key kept out
  of the database); `content_hash` seals the record an event created (an assessment).
- `server_secret` goes: the token-signing secret is kept out of the records database (a
  file in the data folder, or LUMBAR_SECRET_KEY). Tokens signed with the old one end.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

OLD_ROLES = "role IN ('patient', 'clinician', 'admin')"
NEW_ROLES = "role IN ('patient', 'clinician', 'admin', 'integration')"
OLD_CLINIC = "role <> 'clinician' OR clinic_id IS NOT NULL"
NEW_CLINIC = "role NOT IN ('clinician', 'integration') OR clinic_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.drop_constraint(op.f("ck_users_role"), type_="check")
        users.drop_constraint(op.f("ck_users_clinician_clinic"), type_="check")
        users.create_check_constraint("role", NEW_ROLES)
        users.create_check_constraint("clinician_clinic", NEW_CLINIC)
        users.alter_column("password_hash", existing_type=sa.String(200), nullable=True)
        users.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(36), nullable=True),
    )
    op.create_index("ix_invitations_user_id", "invitations", ["user_id"])
    op.add_column("api_keys", sa.Column("scopes", sa.JSON(), nullable=False, server_default="[]"))
    op.execute(
        "UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP WHERE revoked_at IS NULL AND "
        "user_id IN (SELECT id FROM users WHERE role <> 'integration')"
    )
    op.add_column("audit_events", sa.Column("chain_hash", sa.String(64), nullable=True))
    op.add_column("audit_events", sa.Column("content_hash", sa.String(64), nullable=True))
    op.drop_table("server_secret")


def downgrade() -> None:
    op.create_table(
        "server_secret",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="single_row"),
    )
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a rebuild: a rebuilt audit_events
    # would lose its write-once triggers
    op.drop_column("audit_events", "content_hash")
    op.drop_column("audit_events", "chain_hash")
    op.drop_column("api_keys", "scopes")
    op.drop_index("ix_invitations_user_id", "invitations")
    op.drop_table("invitations")
    # integration accounts may have written records: they stay, as deactivated clinicians
    op.execute("UPDATE users SET role = 'clinician', active = false WHERE role = 'integration'")
    op.execute("UPDATE users SET password_hash = '!' WHERE password_hash IS NULL")
    with op.batch_alter_table("users") as users:
        users.drop_column("token_version")
        users.alter_column("password_hash", existing_type=sa.String(200), nullable=False)
        users.drop_constraint(op.f("ck_users_clinician_clinic"), type_="check")
        users.drop_constraint(op.f("ck_users_role"), type_="check")
        users.create_check_constraint("role", OLD_ROLES)
        users.create_check_constraint("clinician_clinic", OLD_CLINIC)
