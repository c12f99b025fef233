"""One feedback per message (a second thumb changes the first), and security events (sign-in
lockouts) the staff console shows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keep the latest rating of each message before the index makes them unique.
    op.execute(
        "DELETE FROM feedback WHERE message_id IS NOT NULL AND id NOT IN "
        "(SELECT MAX(id) FROM feedback WHERE message_id IS NOT NULL GROUP BY message_id)"
    )
    op.drop_index("ix_feedback_message_id", table_name="feedback")
    op.create_index("ix_feedback_message_id", "feedback", ["message_id"], unique=True)
    op.create_table(
        "security_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(254), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_security_events"),
    )
    op.create_index("ix_security_events_created_at", "security_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("security_events")
    op.drop_index("ix_feedback_message_id", table_name="feedback")
    op.create_index("ix_feedback_message_id", "feedback", ["message_id"])
