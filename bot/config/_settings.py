"""Settings from the environment (and `.env`), through pydantic-settings.

Secrets are `SecretStr`, so printing or logging a Settings object never shows them.
The team's operating file (`careops.toml`: SLA targets, rotation, retention) is read
here too, so the rest of the program receives plain values.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import config

X_API = "https://api.twitter.com"  # where tweepy sends every API v2 call
THREADS_API = "https://graph.threads.net/v1.0"
GRAPH_API = "https://graph.facebook.com/v23.0"


def _split(value: Any) -> list[str]:
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else value or []
    return [str(part).strip() for part in parts if str(part).strip()]


class Settings(BaseSettings):
    # An empty `NAME=` (as in a fresh copy of .env.example) means "not set", not "".
    model_config = SettingsConfigDict(
        env_file=config.ENV_FILE, extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    # --- careops itself
    data_dir: Path = Field(Path(".careops"), alias="CAREOPS_DATA_DIR")
    db_path: Path | None = Field(None, alias="CAREOPS_DB")
    # PostgreSQL for two or more instances (postgresql://user:pass@host:5432/db); unset: SQLite.
    database_url: SecretStr | None = Field(None, alias="CAREOPS_DATABASE_URL")
    instance_name: str | None = Field(None, alias="CAREOPS_INSTANCE")
    lease_seconds: float = Field(15.0, alias="CAREOPS_LEASE_SECONDS", gt=0)
    config_path: Path | None = Field(None, alias="CAREOPS_CONFIG")
    prompts_dir: Path | None = Field(None, alias="CAREOPS_PROMPTS_DIR")
    log_level: str = Field("INFO", alias="CAREOPS_LOG_LEVEL")
    log_json: bool = Field(False, alias="CAREOPS_LOG_JSON")
    brand_name: str = Field("Parcelly", alias="CAREOPS_BRAND_NAME")
    brand_handles: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["parcelly", "parcelly.bsky.social", "parcelly@mastodon.social"],
        alias="CAREOPS_BRAND_HANDLES",
    )
    poll_seconds: float = Field(60.0, gt=0, alias="CAREOPS_POLL_SECONDS")
    poll_fast_seconds: float = Field(10.0, gt=0, alias="CAREOPS_POLL_FAST_SECONDS")
    max_mention_chars: int = Field(10_000, alias="CAREOPS_MAX_MENTION_CHARS")
    # The editor for terminal edits of a reply (`careops demo`); inline prompt when unset.
    editor: str | None = Field(None, validation_alias=AliasChoices("VISUAL", "EDITOR"))

    # --- Slack
    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_channel: str | None = Field(None, alias="SLACK_CHANNEL")
    slack_approvers: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="SLACK_APPROVERS"
    )
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    slack_pace_seconds: float = Field(1.0, alias="SLACK_PACE_SECONDS")

    # --- X (API v2)
    x_bearer_token: SecretStr | None = Field(None, alias="X_BEARER_TOKEN")
    x_api_key: SecretStr | None = Field(None, alias="X_API_KEY")
    x_api_secret: SecretStr | None = Field(None, alias="X_API_SECRET")
    x_access_token: SecretStr | None = Field(None, alias="X_ACCESS_TOKEN")
    x_access_token_secret: SecretStr | None = Field(None, alias="X_ACCESS_TOKEN_SECRET")
    x_user_id: str | None = Field(None, alias="X_USER_ID")
    x_listen_query: str | None = Field(None, alias="X_LISTEN_QUERY")
    x_api_base_url: str = Field(X_API, alias="X_API_BASE_URL")
    # Retired (so not in .env.example): read only to say so. X's prices are in
    # careops.toml's [x.prices].
    x_price_read: str | None = Field(None, validation_alias="X_PRICE_READ")
    x_price_post: str | None = Field(None, validation_alias="X_PRICE_POST")

    # --- Bluesky
    bluesky_handle: str | None = Field(None, alias="BLUESKY_HANDLE")
    bluesky_app_password: SecretStr | None = Field(None, alias="BLUESKY_APP_PASSWORD")
    bluesky_service_url: str = Field("https://bsky.social", alias="BLUESKY_SERVICE_URL")

    # --- Mastodon
    mastodon_base_url: str | None = Field(None, alias="MASTODON_BASE_URL")
    mastodon_access_token: SecretStr | None = Field(None, alias="MASTODON_ACCESS_TOKEN")
    mastodon_streaming: bool = Field(True, alias="MASTODON_STREAMING")

    # --- Threads
    threads_user_id: str | None = Field(None, alias="THREADS_USER_ID")
    threads_access_token: SecretStr | None = Field(None, alias="THREADS_ACCESS_TOKEN")
    threads_api_base_url: str = Field(THREADS_API, alias="THREADS_API_BASE_URL")

    # --- Facebook Page and Instagram comments (Graph API)
    facebook_page_id: str | None = Field(None, alias="FACEBOOK_PAGE_ID")
    instagram_account_id: str | None = Field(None, alias="INSTAGRAM_ACCOUNT_ID")
    meta_page_access_token: SecretStr | None = Field(None, alias="META_PAGE_ACCESS_TOKEN")
    meta_app_secret: SecretStr | None = Field(None, alias="META_APP_SECRET")
    meta_verify_token: SecretStr | None = Field(None, alias="META_VERIFY_TOKEN")
    graph_api_base_url: str = Field(GRAPH_API, alias="GRAPH_API_BASE_URL")

    # --- OpenAI (or any compatible server)
    openai_api_key: SecretStr | None = Field(None, alias="OPENAI_API_KEY")
    openai_model: str = Field("gpt-4o-mini", alias="OPENAI_MODEL")
    openai_base_url: str | None = Field(None, alias="OPENAI_BASE_URL")
    openai_timeout: float = Field(20.0, alias="OPENAI_TIMEOUT")
    openai_max_retries: int = Field(2, alias="OPENAI_MAX_RETRIES")

    @field_validator("brand_handles", "slack_approvers", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> list[str]:
        """`U01,U02; S03` from the environment or a list from code, as a clean list."""
        return _split(value)

    @property
    def database(self) -> Path:
        return self.db_path or self.data_dir / "careops.db"

    @property
    def prompts(self) -> Path:
        return config.prompts_folder(self.prompts_dir)

    def retired(self) -> list[str]:
        """Settings still set that careops no longer reads, each with what replaced it."""
        names = {"X_PRICE_READ": self.x_price_read, "X_PRICE_POST": self.x_price_post}
        return [
            f"{name} is no longer read: X's prices are set in careops.toml [x.prices]"
            for name, value in names.items()
            if value is not None
        ]

    def ops(self) -> dict[str, Any]:
        """The team's operating file (careops.toml) as a dict, checked; {} when there is none."""
        path = self.config_path or Path("careops.toml")
        if not path.exists():
            if self.config_path:
                raise FileNotFoundError(f"config file not found: {path}")
            return {}
        from bot.ops_file import check_ops  # pydantic models: only when careops.toml is read

        with path.open("rb") as handle:
            return check_ops(tomllib.load(handle), str(path))


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and `.env`, with explicit overrides (CLI flags) on top."""
    clean = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**clean)
