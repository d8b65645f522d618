"""Settings from the environment (``POWERMAP_*``), built once on first use, never at import."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """``POWERMAP_DB``: the embedded store's file; ``POWERMAP_STORE``: which store."""

    model_config = SettingsConfigDict(env_prefix="POWERMAP_", extra="ignore")

    db: str = "powermap.db"
    store: Literal["embedded"] = "embedded"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
