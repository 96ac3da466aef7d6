"""The HTTP side of OSM downloads: osmnx settings and session for Overpass/Nominatim, readable errors, the cache folder."""

from __future__ import annotations

import contextlib
import math
import os
import socket
import threading
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import osmnx as ox
import requests

from analysis.errors import DownloadError
from analysis.network.graph import NODE_TAG_COLUMNS, WAY_TAG_COLUMNS

#: Environment variable naming the download cache folder.
CACHE_ENV_VAR = "HROMADA_ACCESS_CACHE"


#: Default HTTP timeout (seconds) for Overpass/Nominatim requests; also sent to Overpass as the query's
#: ``[timeout:...]`` (a hromada of ~1000 km² with all highways usually answers in 10-60 s).
DEFAULT_TIMEOUT_S = 180.0




#: osmnx settings are process-wide: one download at a time may change them.
_OSMNX_LOCK = threading.RLock()


# ================================================================================================================
# osmnx session: settings, HTTP error translation
# ================================================================================================================
class _ServerAnswerError(requests.RequestException):
    """A server answered, but with an error (HTTP status >= 400, an Overpass runtime error, not JSON)."""

    def __init__(self, reason: str, response: requests.Response) -> None:
        super().__init__(reason, response=response)
        self.reason = reason


class _Session:
    """What one osmnx session observed: the number of HTTP responses received."""

    def __init__(self) -> None:
        self.responses = 0

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """requests response hook: count responses and turn server errors into exceptions.

        osmnx itself would sleep 55 s and retry forever on HTTP 429/504, treat an Overpass ``runtime error``
        remark (a timed-out or out-of-memory query with partial data) as a valid answer, and report an HTML error
        page as "no data"; raising here stops all three.
        """
        self.responses += 1
        if response.status_code >= 400:
            reason = f"HTTP {response.status_code} {response.reason or ''}".strip()
            if response.status_code == 429:
                reason += " (too many requests: the server asks to wait a few minutes before trying again)"
            elif response.status_code in (502, 503, 504):
                reason += " (the server is overloaded or down; try again later or use another Overpass server)"
            raise _ServerAnswerError(reason, response)
        path = urlsplit(response.url).path
        if path.endswith("/interpreter") or path.endswith("/search"):
            body = response.content.lstrip()[:1]
            if body not in (b"{", b"["):
                snippet = response.text.strip().replace("\n", " ")[:200]
                raise _ServerAnswerError(f"the server did not answer with JSON: {snippet!r}", response)
            if b'"remark"' in response.content:
                try:
                    remark = response.json().get("remark")
                except (ValueError, AttributeError):
                    remark = None
                if isinstance(remark, str) and "error" in remark.lower():
                    raise _ServerAnswerError(
                        f"Overpass reported {remark!r} (the query was cut short; try a smaller area or later)", response
                    )
        return response


def _overpass_status_usable(url: str, timeout: float, session: _Session, kwargs: dict) -> bool:
    """Whether osmnx may rely on the Overpass ``/status`` endpoint for its rate limiting.

    osmnx waits 60 s when the status endpoint cannot be reached or parsed (no internet, a private server
    without ``/status``) before even trying the query; in those cases its rate limiting is switched off.
    """
    try:
        response = requests.get(url.rstrip("/") + "/status", timeout=min(timeout, 15.0), **kwargs)
    except requests.RequestException:
        return False
    session.responses += 1
    if not response.ok:
        return False
    lines = response.text.split("\n")
    if len(lines) < 5 or not lines[4].strip():
        return False
    first = lines[4].split(" ")[0]
    return first.isdigit() or first in ("Slot", "Currently")


@contextlib.contextmanager
def _osmnx_session(
    *, cache_dir: Path | None, timeout: float, read_cache: bool = True, check_status: bool = False
) -> Iterator[_Session]:
    """Configure osmnx for one download and restore every changed setting afterwards.

    Parameters
    ----------
    cache_dir
        Folder whose ``http/`` subfolder holds osmnx's response cache (None: no HTTP cache).
    timeout
        HTTP timeout in seconds, rounded up to whole seconds (also the Overpass query timeout).
    read_cache
        False to bypass (and not write) the HTTP cache, i.e. force fresh answers.
    check_status
        Probe the Overpass status endpoint first (see :func:`_overpass_status_usable`).
    """
    settings = ox.settings
    session = _Session()
    with _OSMNX_LOCK:
        saved = {
            name: getattr(settings, name)
            for name in (
                "use_cache", "cache_folder", "requests_timeout", "useful_tags_way", "useful_tags_node",
                "all_oneway", "requests_kwargs", "overpass_rate_limit",
            )
        }
        saved_getaddrinfo = socket.getaddrinfo  # osmnx._http._config_dns replaces it process-wide
        try:
            kwargs = dict(saved["requests_kwargs"])
            hooks = dict(kwargs.get("hooks") or {})
            existing = hooks.get("response", [])
            existing = list(existing) if isinstance(existing, (list, tuple)) else [existing]
            hooks["response"] = [*existing, session.hook]
            kwargs["hooks"] = hooks
            settings.requests_kwargs = kwargs
            settings.use_cache = bool(read_cache and cache_dir is not None)
            if cache_dir is not None:
                settings.cache_folder = str(cache_dir / "http")
            # whole seconds: the value is also sent to Overpass as [timeout:N], which takes an integer
            settings.requests_timeout = max(1, math.ceil(timeout))
            settings.useful_tags_way = _unique(
                [*saved["useful_tags_way"], "highway", "oneway", "maxspeed", "junction", *WAY_TAG_COLUMNS]
            )
            settings.useful_tags_node = _unique([*saved["useful_tags_node"], *NODE_TAG_COLUMNS])
            # keep every way once, in drawing order, with its raw oneway tag (osmnx still reverses oneway=-1)
            settings.all_oneway = True
            if check_status and settings.overpass_rate_limit:
                settings.overpass_rate_limit = _overpass_status_usable(
                    settings.overpass_url, timeout, session, {k: v for k, v in kwargs.items() if k != "hooks"}
                )
            yield session
        finally:
            for name, value in saved.items():
                setattr(settings, name, value)
            socket.getaddrinfo = saved_getaddrinfo


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _short_url(url: str | None) -> str:
    if not url:
        return "?"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _download_error(exc: BaseException, fallback_url: str) -> DownloadError:
    """Translate a requests/osmnx exception into a readable :class:`DownloadError`."""
    request = getattr(exc, "request", None)
    url = _short_url(getattr(request, "url", None) or fallback_url)
    if isinstance(exc, _ServerAnswerError):
        reason = exc.reason
    elif isinstance(exc, requests.exceptions.ConnectTimeout):
        reason = "the server could not be reached in time (connection timed out)"
    elif isinstance(exc, requests.Timeout):
        reason = "the server did not answer in time (read timed out)"
    elif isinstance(exc, requests.ConnectionError):
        text = str(exc)
        if "refused" in text.lower():
            reason = "connection refused (nothing is listening at that address)"
        elif "resolve" in text.lower() or "name or service" in text.lower():
            reason = "the server name could not be resolved (no internet or DNS problem)"
        else:
            reason = f"no connection ({type(exc).__name__})"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return DownloadError(
        f"Не вдалося завантажити дані OSM / Could not download OSM data from {url}: {reason}. "
        "Check your internet connection or import an .osm.pbf extract instead."
    )


# ================================================================================================================
# Download
# ================================================================================================================
def resolve_cache_dir(cache_dir: str | os.PathLike | None) -> Path:
    """The download cache folder: ``cache_dir``, else ``$HROMADA_ACCESS_CACHE``, else ``~/.cache/hromada-access``."""
    if cache_dir is not None and str(cache_dir) != "":
        return Path(cache_dir).expanduser()
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR]).expanduser()
    return Path.home() / ".cache" / "hromada-access"
