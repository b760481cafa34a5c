"""Settings from the environment: the only place that reads `os.environ`.

Tokens are `SecretStr` so that printing or logging a `Settings` never shows them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    database_url: str = "sqlite:///alliancebot.db"
    port: int = Field(default=8000, ge=0, le=65535)
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_url: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    alliancebot_config: Path = Path("alliance.toml")
    # Where people reach the web app (for links such as a partner's toolkit page); unset,
    # the web app on this machine's own port (as CONTRACT.md says), so a link printed while
    # it runs on another port still leads to it.
    public_url: str = ""
    # Derives links the bot must be able to show again (a partner's toolkit page) and, later,
    # signs links; never stored or logged. Unset: such links are random and only replaceable.
    alliancebot_secret_key: SecretStr | None = None
    # E-mail out: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`;
    # a secret, since it holds the password. Unset: e-mail off (e-mails wait in the outbox).
    smtp_url: SecretStr | None = None
    mail_from: str | None = None  # the sender; unset: alliancebot@<SMTP host>
    mail_reply_to: str | None = None
    mail_per_minute: float = Field(default=60.0, gt=0)  # the relay's limit, for the whole bot
    # Worker tuning (rarely changed): how long a silent worker's claimed row stays its own,
    # and the overall send rates, a little under the platforms' published limits.
    worker_lease_seconds: float = Field(default=5.0, gt=0)  # silent this long: dead
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_in_flight: int = Field(default=8, ge=1, le=64)  # sends on their way per worker
    telegram_messages_per_second: float = Field(default=29.0, gt=0)
    slack_messages_per_second: float = Field(default=10.0, gt=0)
    # replies to one Telegram chat (a person, a group three times this) at most this often
    telegram_seconds_per_chat: float = Field(default=1.0, ge=0)
    # Inbound updates (per platform, per web process): how many are handled at once, and
    # how many are being stored at once. The web process's database pool is sized from
    # these (`database_pool_size`), so a burst queues for a slot instead of the pool.
    inbound_concurrency: int = Field(default=8, ge=1, le=64)
    inbound_receivers: int = Field(default=4, ge=1, le=64)

    @property
    def database_pool_size(self) -> int:
        """Connections a web process may hold: both platforms storing and handling at
        full tilt, plus health checks and pages."""
        return 2 * (self.inbound_concurrency + self.inbound_receivers) + 4

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_shape(cls, value: SecretStr | None) -> SecretStr | None:
        """A mistyped SMTP_URL is refused at start, saying what it should look like (and
        never repeating it: it holds the password)."""
        if value is not None:
            parts = urlsplit(value.get_secret_value())
            try:
                parts.port  # noqa: B018 (a port that is not a number raises here)
            except ValueError:
                parts = urlsplit("")
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise ValueError(
                    "write it as smtp://user:pass@host:587 or smtps://user:pass@host:465"
                )
        return value

    @model_validator(mode="after")
    def _public_url_from_port(self) -> Settings:
        if not self.public_url:
            self.public_url = f"http://127.0.0.1:{self.port or 8000}"
        return self


def load_settings() -> Settings:
    return Settings()
