"""Guichet: case handling for France services agents."""


def __getattr__(name: str):
    # The version is read from the package metadata only when asked for (About, bundles):
    # importlib.metadata costs ~50 ms that the first paint does not need.
    if name == "__version__":
        try:
            from importlib.metadata import version

            return version("guichet")
        except Exception:  # running from a source tree that was never installed
            return "0.0.0+source"
    raise AttributeError(name)
