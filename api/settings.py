"""The HTTP API's settings (``POWERMAP_*`` environment variables), built on first use.

The API keeps its own state — keys, browser sessions, the audit log, webhooks and their
deliveries — in a small SQLite file of its own, next to the store: ``POWERMAP_API_DB``,
by default the store's file name with ``.api.db`` (``powermap.db`` → ``powermap.api.db``).
The graph store port holds only the graph.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ApiSettings", "get_api_settings", "MiB"]

MiB = 1024 * 1024


class ApiSettings(BaseSettings):
    """Settings of ``powermap serve`` and ``powermap keys``.

    ==========================  ===================================================
    ``POWERMAP_DB``             the embedded store's file (default ``powermap.db``)
    ``POWERMAP_API_DB``         the API's own state (default: beside the store)
    ``POWERMAP_MAX_BODY_BYTES`` largest JSON request body (default 10 MiB) → 413
    ``POWERMAP_MAX_UPLOAD_BYTES`` largest multipart upload (default 50 MiB) → 413
    ``POWERMAP_BODY_TIMEOUT_SECONDS`` a request body that stops arriving for this long
                                (default 30) → 408, connection closed
    ``POWERMAP_SESSION_HOURS``  lifetime of a browser session cookie (default 12)
    ``POWERMAP_ANALYSIS_WORKERS`` processes computing gap reports (default: one per
                                core; 0: the request threads compute them)
    ``POWERMAP_COOKIE_SECURE``  force the cookie's Secure flag on/off (default: on,
                                except plain http to a host that is not loopback)
    ``POWERMAP_WEBHOOK_*``      ``ATTEMPTS`` (6), ``BACKOFF_SECONDS`` (2: 2, 4, 8 …),
                                ``MAX_BACKOFF_SECONDS`` (3600), ``TIMEOUT_SECONDS`` (10),
                                ``ALLOW_PRIVATE`` (off: receivers must have public
                                addresses, never loopback, private or link-local ones)
    ==========================  ===================================================
    """

    model_config = SettingsConfigDict(env_prefix="POWERMAP_", extra="ignore")

    db: str = "powermap.db"
    api_db: str | None = None
    max_body_bytes: int = Field(default=10 * MiB, ge=1024)
    max_upload_bytes: int = Field(default=50 * MiB, ge=1024)
    body_timeout_seconds: float = Field(default=30.0, gt=0)
    session_hours: float = Field(default=12.0, gt=0)
    cookie_secure: bool | None = None
    webhook_attempts: int = Field(default=6, ge=1, le=20)
    webhook_backoff_seconds: float = Field(default=2.0, ge=0)
    webhook_max_backoff_seconds: float = Field(default=3600.0, ge=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    #: allow webhook receivers on loopback, private and link-local addresses (an intranet CRM)
    webhook_allow_private: bool = False
    #: analysis answers are reused until a write through the API, or for this long (0: never)
    analysis_cache_seconds: float = Field(default=30.0, ge=0)
    #: processes computing gap reports off the request threads (0, the default: none, the
    #: request threads compute them, once per question and store version; None: one per core).
    #: Off by default: on a 2-core machine the pool measured slower (see the HTTP reference)
    analysis_workers: int | None = Field(default=0, ge=0, le=64)
    #: an import (upload or JSON) still running after this many seconds is stopped, nothing written
    import_deadline_seconds: float = Field(default=600.0, gt=0)
    #: the cadence policy (TOML) behind cadence_breach gaps; default: the shipped one
    cadence_policy: str | None = None

    @property
    def state_path(self) -> str:
        """The API state file: ``api_db``, or the store's file name with ``.api.db``."""
        if self.api_db:
            return self.api_db
        if self.db == ":memory:":
            return ":memory:"
        path = Path(self.db)
        return str(path.with_name(f"{path.stem}.api.db"))


@lru_cache(maxsize=1)
def get_api_settings() -> ApiSettings:
    return ApiSettings()
