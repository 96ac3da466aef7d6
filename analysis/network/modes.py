"""Every travel mode by name: the one table of profiles (drive, walk, wheelchair)."""

from __future__ import annotations

from analysis.network.profiles import DRIVE, WALK, Profile
from analysis.network.wheelchair import WHEELCHAIR

#: Every available travel mode, by name.
PROFILES: dict[str, Profile] = {p.name: p for p in (DRIVE, WALK, WHEELCHAIR)}


def get_profile(mode: str | Profile) -> Profile:
    """Return the profile for ``mode`` (a name from :data:`PROFILES` or a Profile itself).

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the known modes.
    """
    if isinstance(mode, Profile):
        return mode
    try:
        return PROFILES[str(mode)]
    except KeyError:
        raise ValueError(f"Unknown travel mode {mode!r}; choose one of: {', '.join(sorted(PROFILES))}") from None
