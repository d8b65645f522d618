"""The CLI's commands, one module per area; importing this package registers them."""

from powermap.commands import analysis, data, maps
from powermap.commands import stores
from powermap.commands import interactions  # noqa: E401  (the interaction history)
from powermap.commands import keys, serve  # noqa: E401  (the HTTP API)

__all__ = ["analysis", "data", "maps", "stores", "interactions", "keys", "serve"]
