"""A tiny local stand-in for the Overpass API, serving elements of an OSM XML fixture.

It understands the queries osmnx 2.x sends (nothing more):

* network queries ``[out:json][timeout:T];(way["highway"~"^(...)$"]["area"!~"yes"](poly:'lat lon ...');>;);out;``
  (or osmnx's preset filters ``way["highway"]["area"!~"yes"]["highway"!~"abandoned|..."]``)
* features queries ``[out:json][timeout:T];((node['amenity'='post_office'](poly:'...');(._;>;););...);out;``

Every ``node|way|relation[filters...](poly:'...')`` statement is evaluated against the fixture: tag filters
``[k]``, ``[!k]``, ``[k=v]``, ``[k!=v]``, ``[k~re]``, ``[k!~re]`` (quoted with ' or "), and the polygon (a node
inside it; a way with a segment intersecting it). Recursion (``>``) adds the nodes of matched ways, as Overpass does
(including nodes outside the polygon). Relations are never returned (the fixtures have none that matter). A
fixture way that references a node missing from the file (a clipped extract) is returned without that node, since
a real server always has complete ways.

``GET /api/status`` answers like Overpass (a free slot is available). Every request is recorded in
:attr:`OverpassMock.requests`; :attr:`OverpassMock.mode` switches the server to failure behaviours
(``"http500"``, ``"http429"``, ``"remark"``, ``"hang"``, ``"garbage"``, ``"fail_features"`` = HTTP 500 for
every query that is not a network query). ``GET /search`` answers like Nominatim with the results registered in
:attr:`OverpassMock.nominatim` for the ``q`` text (an empty list otherwise).
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import shapely

_STATEMENT = re.compile(r"\b(node|way|relation)((?:\[[^\[\]]*\])+)\(poly:(['\"])([^'\"]*)\3\)")
_FILTER = re.compile(
    r"""\[\s*(?P<neg>!)?\s*(?P<q>['"])(?P<key>.*?)(?P=q)\s*"""
    r"""(?:(?P<op>!=|=|!~|~)\s*(?P<q2>['"])(?P<value>.*?)(?P=q2))?\s*\]"""
)


@dataclass
class OsmData:
    """Nodes and ways of an OSM XML file."""

    nodes: dict[int, tuple[float, float, dict[str, str]]]  # id -> (lon, lat, tags)
    ways: dict[int, tuple[list[int], dict[str, str]]]  # id -> (node ids, tags)

    @classmethod
    def from_xml(cls, path: str | Path) -> "OsmData":
        root = ET.parse(path).getroot()
        nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
        ways: dict[int, tuple[list[int], dict[str, str]]] = {}
        for element in root:
            tags = {t.get("k"): t.get("v") for t in element.findall("tag")}
            if element.tag == "node":
                nodes[int(element.get("id"))] = (float(element.get("lon")), float(element.get("lat")), tags)
            elif element.tag == "way":
                ways[int(element.get("id"))] = ([int(nd.get("ref")) for nd in element.findall("nd")], tags)
        return cls(nodes=nodes, ways=ways)

    def bounds(self) -> tuple[float, float, float, float]:
        lons = [n[0] for n in self.nodes.values()]
        lats = [n[1] for n in self.nodes.values()]
        return min(lons), min(lats), max(lons), max(lats)


def _tags_match(tags: dict[str, str], filters: list[tuple[bool, str, str | None, str | None]]) -> bool:
    for negated, key, op, value in filters:
        present = key in tags
        if op is None:
            if present == negated:
                return False
        elif op == "=":
            if tags.get(key) != value:
                return False
        elif op == "!=":
            if tags.get(key) == value:
                return False
        elif op == "~":
            if not present or not re.search(value, tags[key]):
                return False
        elif op == "!~":
            if present and re.search(value, tags[key]):
                return False
    return True


def is_network_query(query: str) -> bool:
    """Whether an osmnx query asks for road ways (``way["highway"...]``) rather than features."""
    return 'way["highway"' in query


def parse_poly(coords: str) -> shapely.Polygon:
    """An Overpass ``poly:`` string ("lat lon lat lon ...") as a shapely polygon in lon/lat."""
    values = [float(x) for x in coords.split()]
    return shapely.Polygon(list(zip(values[1::2], values[0::2])))


def evaluate(query: str, data: OsmData) -> list[dict]:
    """Elements answering an osmnx Overpass query, in Overpass ``out;`` order (nodes, then ways, by id)."""
    statements = _STATEMENT.findall(query)
    if not statements:
        raise ValueError(f"no node/way/relation statement with a poly filter in query: {query[:200]}")
    recurse = ">" in query
    node_ids: set[int] = set()
    way_ids: set[int] = set()
    for kind, filter_text, _quote, coords in statements:
        filters = [
            (bool(m.group("neg")), m.group("key"), m.group("op"), m.group("value"))
            for m in _FILTER.finditer(filter_text)
        ]
        if not filters:
            raise ValueError(f"cannot parse filters {filter_text!r}")
        polygon = parse_poly(coords)
        shapely.prepare(polygon)
        if kind == "node":
            for nid, (lon, lat, tags) in data.nodes.items():
                if _tags_match(tags, filters) and polygon.intersects(shapely.Point(lon, lat)):
                    node_ids.add(nid)
        elif kind == "way":
            for wid, (refs, tags) in data.ways.items():
                if not _tags_match(tags, filters):
                    continue
                coords_ll = [data.nodes[r][:2] for r in refs if r in data.nodes]
                geom = shapely.LineString(coords_ll) if len(coords_ll) > 1 else shapely.Point(coords_ll[0])
                if polygon.intersects(geom):
                    way_ids.add(wid)
                    if recurse:
                        node_ids.update(r for r in refs if r in data.nodes)
    elements: list[dict] = []
    for nid in sorted(node_ids):
        lon, lat, tags = data.nodes[nid]
        element = {"type": "node", "id": nid, "lat": lat, "lon": lon}
        if tags:
            element["tags"] = dict(tags)
        elements.append(element)
    for wid in sorted(way_ids):
        refs, tags = data.ways[wid]
        # Overpass only ever returns complete ways; nodes a fixture file lacks are left out of the node list
        element = {"type": "way", "id": wid, "nodes": [r for r in refs if r in data.nodes]}
        if tags:
            element["tags"] = dict(tags)
        elements.append(element)
    return elements


@dataclass
class Request:
    method: str
    path: str
    query: str | None


@dataclass
class OverpassMock:
    """A running mock server; use as a context manager or call :meth:`start`/:meth:`stop`."""

    data: OsmData
    mode: str = "ok"
    hang_seconds: float = 3.0
    nominatim: dict[str, list] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Base URL to set as ``ox.settings.overpass_url``."""
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def interpreter_requests(self) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/interpreter")]

    @property
    def count(self) -> int:
        """Number of HTTP requests received (any endpoint)."""
        with self._lock:
            return len(self.requests)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def start(self) -> "OverpassMock":
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method: str) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                params = urllib.parse.parse_qs(parsed.query)
                if method == "POST":
                    length = int(self.headers.get("Content-Length") or 0)
                    params.update(urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8")))
                query = params.get("data", [None])[0]
                with mock._lock:
                    mock.requests.append(Request(method, parsed.path, query))
                mode = mock.mode
                if parsed.path.endswith("/status"):
                    text = (
                        "Connected as: 2130706433\nCurrent time: 2025-01-01T00:00:00Z\nAnnounced endpoint: none\n"
                        "Rate limit: 0\n2 slots available now.\nCurrently running queries (pid, space limit, "
                        "time limit, start time):\n"
                    )
                    self._send(200, text.encode(), "text/plain")
                    return
                if parsed.path.endswith("/search"):  # Nominatim: results registered per q= text
                    body = json.dumps(mock.nominatim.get(params.get("q", [""])[0], [])).encode()
                    self._send(200, body)
                    return
                if not parsed.path.endswith("/interpreter"):
                    self._send(404, b"not found", "text/plain")
                    return
                if mode == "hang":
                    time.sleep(mock.hang_seconds)
                if mode == "http500" or (mode == "fail_features" and query and not is_network_query(query)):
                    self._send(500, b"<html><body>Internal Server Error</body></html>", "text/html")
                    return
                if mode == "http429":
                    self._send(429, b"<html><body>Too Many Requests</body></html>", "text/html")
                    return
                if mode == "garbage":
                    self._send(200, b"<html>not json</html>", "text/html")
                    return
                if not query:
                    self._send(400, b"no data= parameter", "text/plain")
                    return
                try:
                    elements = evaluate(query, mock.data)
                except ValueError as exc:
                    self._send(400, str(exc).encode(), "text/plain")
                    return
                payload = {
                    "version": 0.6,
                    "generator": "mock",
                    "osm3s": {"timestamp_osm_base": "2025-01-01T00:00:00Z", "copyright": "ODbL, OSM contributors"},
                    "elements": elements,
                }
                if mode == "remark":
                    payload["elements"] = elements[: len(elements) // 2]
                    payload["remark"] = 'runtime error: Query timed out in "query" at line 1 after 2 seconds.'
                self._send(200, json.dumps(payload).encode())

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._handle("POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "OverpassMock":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
