"""distconnect: Kafka Connect's distributed worker runtime, rebuilt in Python on asyncio."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("distconnect")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
