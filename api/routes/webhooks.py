"""``/webhooks``: subscribe a URL to events; see each delivery and its attempts.

A subscription belongs to the key that made it and sees what that key sees: a key
restricted to accounts only receives events about them. Managing webhooks needs a
write key; an admin key sees every subscription. Receivers must have public addresses
unless ``POWERMAP_WEBHOOK_ALLOW_PRIVATE`` is set (see :func:`api.events.refused_receiver`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from api.deps import StateDep, WriteKey
from api.events import EVENTS, refused_receiver
from api.problems import ApiProblem, errors, not_found
from api.security import Principal
from api.state import Subscription
from api.responses import json_response

__all__ = ["router"]

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

EventName = Literal["gap.opened", "gap.closed", "stance.changed", "import.completed", "contact.moved",
                    "contact.departed"]
assert set(EventName.__args__) == set(EVENTS)  # type: ignore[attr-defined]
WebhookId = Annotated[str, Path(max_length=64)]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(description="Where to POST the events (http or https).")
    events: list[EventName] = Field(min_length=1, description="The events wanted.")
    secret: str | None = Field(default=None, min_length=16, max_length=200, description=(
        "The HMAC secret; generated when left out. Returned once, in this answer only."))


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    key: str = Field(description="The name of the key that made it.")
    created_at: str


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Verify each delivery: X-Powermap-Signature = 'sha256=' + "
                                    "hex HMAC-SHA256(secret, raw body). Shown only now.")


class Attempt(BaseModel):
    attempt: int
    at: str
    status_code: int | None = None
    error: str | None = None


class DeliveryOut(BaseModel):
    id: str
    webhook_id: str
    event: str
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    last_status_code: int | None = None
    last_error: str | None = None
    next_attempt_at: str | None = None
    created_at: str
    finished_at: str | None = None
    history: list[Attempt]


def _out(subscription: Subscription) -> dict:
    return {"id": subscription.id, "url": subscription.url, "events": list(subscription.events),
            "key": subscription.key.name, "created_at": subscription.created_at}


def _mine(state: StateDep, who: Principal, webhook_id: str) -> Subscription:
    subscription = state.webhook(webhook_id)
    if subscription is None or (subscription.key.id != who.key.id and not who.allows("admin")):
        raise not_found("webhook", webhook_id)
    return subscription


@router.post("", status_code=201, response_model=WebhookCreated, summary="Subscribe to events",
             responses=errors(401, 403, 413, 422))
def create_webhook(request: Request, body: WebhookIn, who: WriteKey, state: StateDep) -> Response:
    """Register a URL for some events. Deliveries are signed with the secret, retried with
    back-off until the receiver answers 2xx, and recorded. The URL's host must have only
    public addresses (422 otherwise) unless the server allows private receivers."""
    refused = refused_receiver(str(body.url), allow_private=request.app.state.settings.webhook_allow_private)
    if refused is not None:
        raise ApiProblem(422, f"webhooks cannot be sent there: {refused}",
                         type="urn:powermap:problem:invalid-request",
                         errors=[{"loc": ["body", "url"], "message": refused}])
    subscription = state.create_webhook(str(body.url), body.events, who.key, secret=body.secret)
    return json_response({**_out(subscription), "secret": subscription.secret}, status_code=201)


@router.get("", response_model=list[WebhookOut], summary="List subscriptions", responses=errors(401, 403))
def list_webhooks(who: WriteKey, state: StateDep) -> Response:
    """The key's subscriptions (an admin key: all of them)."""
    found = state.webhooks() if who.allows("admin") else state.webhooks(key=who.key)
    return json_response([_out(s) for s in found])


@router.get("/{webhook_id}", response_model=WebhookOut, summary="One subscription", responses=errors(401, 403, 404, 422))
def get_webhook(webhook_id: WebhookId, who: WriteKey, state: StateDep) -> Response:
    return json_response(_out(_mine(state, who, webhook_id)))


@router.delete("/{webhook_id}", status_code=204, response_class=Response, summary="Unsubscribe",
               responses=errors(401, 403, 404, 422))
def delete_webhook(webhook_id: WebhookId, who: WriteKey, state: StateDep) -> Response:
    """Delete the subscription; its pending deliveries are cancelled."""
    state.delete_webhook(_mine(state, who, webhook_id).id, who.key)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryOut], summary="Recent deliveries",
            responses=errors(401, 403, 404, 422))
def deliveries(webhook_id: WebhookId, who: WriteKey, state: StateDep) -> Response:
    """The latest 100 deliveries, newest first, each with every attempt (time, HTTP status, error)."""
    subscription = _mine(state, who, webhook_id)
    return json_response([{**d.as_dict(), "history": state.delivery_attempts(d.id)}
                          for d in state.deliveries(subscription.id)])
