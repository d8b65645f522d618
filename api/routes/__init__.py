"""One router per resource. :data:`ROUTERS` is what :func:`api.app.create_app` mounts.

Adding a route (an analysis, say) takes a few lines::

    from fastapi import APIRouter
    from api.deps import ReadKey, StoreDep
    from api.problems import errors
    from api.routes.common import visible_account

    router = APIRouter(prefix="/accounts", tags=["analysis"])

    @router.get("/{account_id}/gaps", responses=errors(401, 404, 422))
    def gaps(account_id: str, store: StoreDep, who: ReadKey) -> GapsOut:
        G = visible_account(store, who, account_id)   # 404 outside the key's accounts
        return find_gaps(G)                            # the same JSON as the CLI's --json

``visible_account`` returns the account subgraph as the key may see it (outside
contacts removed, personal fields gone without PII); then list the router in
:data:`ROUTERS`.
"""

from __future__ import annotations

from api.routes import (accounts, analysis, audit, auth, contacts, departments, health, imports, influence,
                        opportunities, pages, plans, relationships, team, template, webhooks)

__all__ = ["ROUTERS"]

ROUTERS = (
    health.router,
    auth.router,
    accounts.router,
    departments.router,
    contacts.router,
    team.router,
    relationships.router,
    influence.router,
    opportunities.router,
    opportunities.members_router,
    imports.router,
    template.router,
    webhooks.router,
    audit.router,
    analysis.router,
    analysis.opportunity_router,
    analysis.snapshot_router,
    pages.router,
    plans.router,
    plans.account_router,
)
