"""The CLI's commands, one module per area; importing this package registers them."""

from powermap.commands import data

__all__ = ["data"]
