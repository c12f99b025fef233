"""State every worker shares: Slack threads, staff card positions and handled events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_threads",
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("thread_ts", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("assistant", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "thread_ts", name="pk_slack_threads"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_slack_threads_conversation_id_conversations",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "slack_cards",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_slack_cards"),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_slack_cards_ticket_id_tickets",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "handled_events",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_handled_events"),
    )
    op.create_index("ix_handled_events_created_at", "handled_events", ["created_at"])


def downgrade() -> None:
    op.drop_table("handled_events")
    op.drop_table("slack_cards")
    op.drop_table("slack_threads")
