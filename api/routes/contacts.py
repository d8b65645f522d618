"""`/contacts`: list (paged, ``updated_since``), read (ETag), upsert and delete contacts."""

from __future__ import annotations

from api.routes.common import record_router

__all__ = ["router"]

router = record_router("contacts", prefix="/contacts", tag="contacts")
