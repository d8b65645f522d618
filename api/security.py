"""Who is calling: the principal behind an API key or a browser session, and the rules
for browser sign-in (cookie attributes, safe redirects)."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from api.state import ApiKey

__all__ = ["Principal", "SESSION_COOKIE", "safe_next", "is_loopback_host", "page_csp"]

#: The browser session cookie (HttpOnly, SameSite=Strict, Secure — see :func:`api.routes.auth`).
SESSION_COOKIE = "powermap_session"


@dataclass(frozen=True)
class Principal:
    """The key behind a request, with the set of accounts it may see.

    ``visible`` holds the key's accounts *and all their descendants* (resolved with
    ``store.account_descendants`` on each request, so a sub-account added later is
    visible at once); ``None`` means every account.
    """

    key: ApiKey
    visible: frozenset[str] | None

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def pii(self) -> bool:
        return self.key.pii

    @property
    def restricted(self) -> bool:
        return self.visible is not None

    def allows(self, scope: str) -> bool:
        return self.key.allows(scope)

    def sees_account(self, account_id: str | None) -> bool:
        return self.visible is None or (account_id is not None and account_id in self.visible)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this server, else ``default``.

    Refused: anything with a scheme or host (``https://evil.com``, ``//evil.com``),
    backslashes (``/\\evil.com``, which browsers read as ``//``), control characters,
    and anything not starting with ``/``.

    >>> safe_next("/accounts/A1/tree?x=1")
    '/accounts/A1/tree?x=1'
    >>> [safe_next(t) for t in ("//evil.com", "https://evil.com/", "/\\\\evil.com", "javascript:alert(1)", "evil")]
    ['/', '/', '/', '/', '/']
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or _CONTROL.search(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost``, ``127.0.0.0/8`` and ``::1`` (a ``Host`` header, port allowed)."""
    if not host:
        return False
    name = host.strip()
    if name.startswith("["):
        name = name[1:name.find("]")] if "]" in name else name[1:]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name.lower() == "localhost" or name.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def page_csp(page: str, *, inline_style_attributes: bool = False) -> str:
    """A Content-Security-Policy for a page of this server: its own scripts and styles,
    and exactly the inline ``<script>``/``<style>`` blocks it holds (by their SHA-256) —
    nothing from elsewhere, no other inline code, no framing, forms only to this server.

    >>> page_csp("<style>b{}</style>").split("; ")[2]
    "style-src 'self' 'sha256-7yqHVAesot11p6HczDsgKRipvI5UPgs97z80zNXlans='"
    """
    found: dict[str, list[str]] = {"script": [], "style": []}
    for kind, body in _INLINE.findall(page):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        found[kind].append(f"'sha256-{digest}'")
    styles = ["'self'", *found["style"]] if not inline_style_attributes else ["'self'", "'unsafe-inline'"]
    return "; ".join([
        "default-src 'none'", "script-src " + " ".join(["'self'", *found["script"]]), "style-src " + " ".join(styles),
        "img-src 'self' data:", "connect-src 'self'", "base-uri 'none'", "form-action 'self'",
        "frame-ancestors 'none'"])

