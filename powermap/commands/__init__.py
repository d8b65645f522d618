"""The CLI's commands, one module per area; importing this package registers them."""

from powermap.commands import analysis, data

__all__ = ["analysis", "data"]
