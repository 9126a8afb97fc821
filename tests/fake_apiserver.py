"""A small fake Kubernetes API server on 127.0.0.1 (stdlib ``http.server``).

It serves list and watch (chunked, one JSON event per line) for the kinds it is given, at the
apiVersions it is told to serve (404 for the others, so clients must discover the served one),
and lets a test script events: object changes, BOOKMARKs, and a ``410 Gone`` ERROR event that
forces the client to relist.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class Resource:
    """One served resource type."""

    def __init__(self, kind: str, group: str, plural: str, versions: list[str]) -> None:
        self.kind = kind
        self.group = group
        self.plural = plural
        self.versions = versions
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.pending: list[dict[str, Any]] = []  # events not yet sent to watchers
        self.expire_next_watch = False
        self.gone_next_watch = False  # answer the next watch request with HTTP 410

    def paths(self) -> dict[str, str]:
        out = {}
        for v in self.versions:
            prefix = f"/api/{v}" if not self.group else f"/apis/{self.group}/{v}"
            out[f"{prefix}/{self.plural}"] = v
        return out


class FakeAPIServer:
    """Start with ``with FakeAPIServer(resources) as server: server.url``."""

    def __init__(self, resources: list[Resource]) -> None:
        self.resources = resources
        self.rv = 100
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self._routes: dict[str, tuple[Resource, str]] = {}
        for res in resources:
            for path, version in res.paths().items():
                self._routes[path] = (res, version)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeAPIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- scripting -----------------------------------------------------------------------
    def resource(self, kind: str) -> Resource:
        return next(r for r in self.resources if r.kind == kind)

    def _next_rv(self) -> str:
        self.rv += 1
        return str(self.rv)

    def put(self, kind: str, obj: dict[str, Any], *, event: str | None = "auto") -> None:
        """Create or update an object; queue the watch event unless ``event`` is None."""
        with self.lock:
            res = self.resource(kind)
            obj = json.loads(json.dumps(obj))
            obj.setdefault("metadata", {})["resourceVersion"] = self._next_rv()
            key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
            kind_of_event = "MODIFIED" if key in res.objects else "ADDED"
            res.objects[key] = obj
            if event is not None:
                res.pending.append(
                    {"type": kind_of_event if event == "auto" else event, "object": obj}
                )

    def remove(self, kind: str, namespace: str, name: str, *, event: bool = True) -> None:
        with self.lock:
            res = self.resource(kind)
            obj = res.objects.pop((namespace, name))
            obj["metadata"]["resourceVersion"] = self._next_rv()
            if event:
                res.pending.append({"type": "DELETED", "object": obj})

    def bookmark(self, kind: str) -> str:
        with self.lock:
            rv = self._next_rv()
            self.resource(kind).pending.append(
                {"type": "BOOKMARK", "object": {"kind": kind, "metadata": {"resourceVersion": rv}}}
            )
            return rv

    def gone(self, kind: str) -> None:
        """The next watch request of ``kind`` is answered with HTTP status 410 Gone."""
        with self.lock:
            self.resource(kind).gone_next_watch = True

    def expire(self, kind: str) -> None:
        """The next watch of ``kind`` gets ``410 Gone`` (its resourceVersion is too old)."""
        with self.lock:
            self.resource(kind).expire_next_watch = True

    # --- serving -------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(req.path)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        self.requests.append(req.path)
        route = self._routes.get(parsed.path)
        if route is None:
            body = json.dumps(
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "reason": "NotFound",
                    "code": 404,
                }
            ).encode()
            req.send_response(404)
            req.send_header("Content-Type", "application/json")
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)
            return
        res, version = route
        if query.get("watch") in ("true", "True", "1"):
            with self.lock:
                gone, res.gone_next_watch = res.gone_next_watch, False
            if gone:
                body = json.dumps(
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "reason": "Expired",
                        "code": 410,
                    }
                ).encode()
                req.send_response(410)
                req.send_header("Content-Type", "application/json")
                req.send_header("Content-Length", str(len(body)))
                req.end_headers()
                req.wfile.write(body)
                return
            self._watch(req, res, float(query.get("timeoutSeconds", "2")))
            return
        with self.lock:
            items = []
            for obj in res.objects.values():
                item = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
                items.append(item)
            api_version = f"{res.group}/{version}" if res.group else version
            body = json.dumps(
                {
                    "apiVersion": api_version,
                    "kind": f"{res.kind}List",
                    "metadata": {"resourceVersion": str(self.rv)},
                    "items": items,
                }
            ).encode()
            res.pending.clear()  # a fresh list supersedes queued events
        req.send_response(200)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    def _watch(self, req: BaseHTTPRequestHandler, res: Resource, timeout: float) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "application/json")
        req.send_header("Transfer-Encoding", "chunked")
        req.end_headers()

        def chunk(event: dict[str, Any]) -> None:
            data = (json.dumps(event) + "\n").encode()
            req.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            req.wfile.flush()

        deadline = time.monotonic() + min(timeout, 1.0)
        try:
            while time.monotonic() < deadline:
                with self.lock:
                    if res.expire_next_watch:
                        res.expire_next_watch = False
                        events = [
                            {
                                "type": "ERROR",
                                "object": {
                                    "kind": "Status",
                                    "apiVersion": "v1",
                                    "status": "Failure",
                                    "reason": "Expired",
                                    "message": "too old resource version",
                                    "code": 410,
                                },
                            }
                        ]
                    else:
                        events, res.pending = res.pending, []
                for event in events:
                    chunk(event)
                    if event["type"] == "ERROR":
                        deadline = 0
                time.sleep(0.02)
            req.wfile.write(b"0\r\n\r\n")
            req.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def _reply(req: BaseHTTPRequestHandler, status: int, obj: dict[str, Any]) -> None:
    body = json.dumps(obj).encode()
    req.send_response(status)
    req.send_header("Content-Type", "application/json")
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)
