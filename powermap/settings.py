"""Settings from the environment (``POWERMAP_*``), built once on first use, never at import."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """``POWERMAP_DB``: the embedded store's file; ``POWERMAP_STORE``: which store
    (``embedded`` or ``neo4j``). The Neo4j store reads ``NEO4J_URI``, ``NEO4J_USER``
    (default ``neo4j``), ``NEO4J_PASSWORD``, ``NEO4J_DATABASE`` (default: the server's
    default database) and ``POWERMAP_NEO4J_BATCH_SIZE`` (rows per write statement).

    Interaction history: ``POWERMAP_STRENGTH`` (``derived``: the analyses use strength
    derived from the history where a pair has one, the hand-entered one elsewhere;
    ``entered``: the hand-entered one where there is one), ``POWERMAP_HALF_LIFE_DAYS``
    (default 90), ``POWERMAP_INFER_INFLUENCE`` (contact-to-contact interaction as inferred
    influence edges, default off) and ``POWERMAP_CADENCE_POLICY`` (a TOML file; default
    the shipped policy)."""

    model_config = SettingsConfigDict(env_prefix="POWERMAP_", extra="ignore", populate_by_name=True)

    db: str = "powermap.db"
    store: Literal["embedded", "neo4j"] = "embedded"
    neo4j_uri: str | None = Field(default=None, validation_alias=AliasChoices("NEO4J_URI", "neo4j_uri"))
    neo4j_user: str = Field(default="neo4j", validation_alias=AliasChoices("NEO4J_USER", "neo4j_user"))
    neo4j_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_PASSWORD", "neo4j_password"))
    neo4j_database: str | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_DATABASE", "neo4j_database"))
    neo4j_batch_size: int = Field(default=10_000, ge=1)
    strength: Literal["derived", "entered"] = "derived"
    half_life_days: float = Field(default=90.0, gt=0)
    infer_influence: bool = False
    cadence_policy: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
