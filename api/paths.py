"""Record ids in URL paths may hold any character, ``/`` and ``%`` included.

Ids come from customers' systems ("SO/2024/017", "50%-Kunde"); a client sends them
percent-encoded (``/contacts/SO%2F2024%2F017``). ASGI servers decode the path before
routing, which would turn ``%2F`` into a separator and leave the record unreachable.
So :class:`KeepEncodedSeparators` routes on the raw path with only ``%2F`` and ``%25``
left encoded, and the ``str`` path convertor (:class:`IdConvertor`, registered when this
module is imported, before any route is made) decodes them inside each parameter.

>>> IdConvertor().convert("SO%2F2024%252F"), IdConvertor().to_string("a/b%")
('SO/2024%2F', 'a%2Fb%25')
>>> routing_path(b"/contacts/SO%2f2024%2F1/map"), routing_path(b"/accounts/%E5%8D%8E%25")
('/contacts/SO%2F2024%2F1/map', '/accounts/华%25')
"""

from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import unquote

from starlette.convertors import StringConvertor, register_url_convertor

__all__ = ["IdConvertor", "KeepEncodedSeparators", "routing_path"]

_KEPT = re.compile(r"%2[fF5]")  # %2F (a slash inside an id) and %25 (a percent sign)


class IdConvertor(StringConvertor):
    """A path parameter with ``%2F`` and ``%25`` decoded (one pass, left to right)."""

    def convert(self, value: str) -> str:
        return _KEPT.sub(lambda m: "/" if m.group().upper() == "%2F" else "%", value)

    def to_string(self, value: str) -> str:
        value = str(value)
        assert value, "Must not be empty"
        return value.replace("%", "%25").replace("/", "%2F")


def routing_path(raw_path: bytes) -> str:
    """The raw path decoded except for ``%2F`` and ``%25``, which stay (upper-case) escapes."""
    text = raw_path.decode("latin-1")
    parts = _KEPT.split(text)
    kept = [m.upper() for m in _KEPT.findall(text)]
    out = [unquote(parts[0])]
    for escape, part in zip(kept, parts[1:]):
        out += [escape, unquote(part)]
    return "".join(out)


class KeepEncodedSeparators:
    """ASGI middleware: routes see ``%2F`` and ``%25`` still encoded (see the module)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        raw = scope.get("raw_path")
        if scope["type"] in ("http", "websocket") and raw and b"%2" in raw:
            raw = raw.split(b"?", 1)[0]
            if _KEPT.search(raw.decode("latin-1")):
                scope = {**scope, "path": routing_path(raw)}
        await self.app(scope, receive, send)


register_url_convertor("str", IdConvertor())
