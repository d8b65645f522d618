"""`/departments`: list (paged, ``updated_since``), read (ETag), upsert and delete departments."""

from __future__ import annotations

from api.routes.common import record_router

__all__ = ["router"]

router = record_router("departments", prefix="/departments", tag="departments")
