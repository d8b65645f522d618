"""`/team-members`: list (paged, ``updated_since``), read (ETag), upsert and delete team members (our side)."""

from __future__ import annotations

from api.routes.common import record_router

__all__ = ["router"]

router = record_router("team", prefix="/team-members", tag="team")
