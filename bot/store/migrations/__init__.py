"""Alembic migrations of the store; `bot.store` runs them when it opens a database."""
