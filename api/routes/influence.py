"""`/influence`: list (paged, ``updated_since``), read (ETag), upsert and delete influence."""

from __future__ import annotations

from api.routes.common import record_router

__all__ = ["router"]

router = record_router("influence", prefix="/influence", tag="influence")
