"""A numeru backend over array-api-strict, registered through an entry point."""

from .backend import StrictBackend

__all__ = ["StrictBackend"]
