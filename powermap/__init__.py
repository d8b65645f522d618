"""powermap: stakeholder and decision-chain analyzer for key-account sales teams."""

#: The one place the version is set (pyproject.toml reads it from here; see CHANGELOG.md).
__version__ = "0.2.0"
