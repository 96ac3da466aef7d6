"""Exceptions with messages meant for people (planners, analysts), not stack traces.

Every error a user can cause with bad input is a :class:`HromadaAccessError`; the command line and the dashboard
show its message and nothing else.
"""

from __future__ import annotations


class HromadaAccessError(Exception):
    """Base class of all errors caused by input the user can fix."""


class DataError(HromadaAccessError, ValueError):
    """Input data is missing, empty, malformed or inconsistent (the message says what and how to fix it)."""


class DownloadError(HromadaAccessError):
    """Downloading OSM data failed (no connection, server error, nothing found)."""
