"""Where webhooks may go: no address inside the server's own network, however it is
written (IPv4 inside IPv6, NAT64, 6to4, multicast), and a delivery connects to the
address that was checked — the receiver's name is resolved once (no DNS rebinding)."""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from apikit import make_api
from test_api_webhooks import wait_for


@pytest.mark.parametrize("url", ["http://224.0.0.1/", "http://[::127.0.0.1]/", "http://[64:ff9b::7f00:1]/",
                                 "http://[2002:7f00:1::]/", "http://[::ffff:169.254.169.254]/",
                                 "http://[ff02::1]/"])
def test_private_addresses_written_inside_ipv6_or_multicast_are_refused(tmp_path, url):
    settings, secrets = make_api(tmp_path, webhook_allow_private=False)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        answer = client.post("/webhooks", headers={"Authorization": f"Bearer {secrets['writer']}"},
                             json={"url": url, "events": ["gap.opened"]})
        assert answer.status_code == 422, answer.text
        assert "not a public address" in answer.json()["detail"]


def test_a_delivery_connects_to_the_address_that_was_checked(api, receiver, monkeypatch):
    """``rebind.example`` answers a public address first and the receiver's loopback address
    after: the delivery must go to the first (where nothing listens on that port), never to
    the second."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    real = socket.getaddrinfo
    answers = {"count": 0}

    def rebinding(host, *args, **kwargs):
        if host != "rebind.example":
            return real(host, *args, **kwargs)
        answers["count"] += 1
        address = "93.184.216.34" if answers["count"] == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    hook = api.post("/webhooks", "writer", json={"url": f"http://rebind.example:{port}/hook",
                                                 "events": ["import.completed"]}).json()
    api.app.state.dispatcher.allow_private = False
    answers["count"] = 0
    api.post("/import", "writer", json={"accounts": [{"id": "N1", "name": "n"}]})

    def attempted():
        found = api.get(f"/webhooks/{hook['id']}/deliveries", "writer").json()
        return found and found[0]["attempts"] >= 1

    assert wait_for(attempted, timeout=30)
    assert receiver.received == []
    assert answers["count"] == 1  # resolved once for the attempt: checked and connected to 93.184.216.34
