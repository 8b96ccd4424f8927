"""Guichet: case handling for France services agents."""

try:  # version comes from the installed package metadata (pyproject.toml)
    from importlib.metadata import version as _version

    __version__ = _version("guichet")
except Exception:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
