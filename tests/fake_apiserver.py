"""A small fake Kubernetes API server on 127.0.0.1 (stdlib ``http.server``).

It serves API discovery (``/api``, ``/api/v1``, ``/apis``, ``/apis/<group>/<version>``), and list
and watch (chunked, one JSON event per line) for the kinds it is given, at the apiVersions it is
told to serve (404 for the others), and lets a test script what a real server does not do on
demand: object changes, BOOKMARKs, a ``410 Gone`` (ERROR event or HTTP status), a list or watch
answered with any status (404 while discovery still lists the kind, 403, 500), and DELETED
events whose body does not validate.

The real kube-apiserver tests (``tests/k8s/``) cover what a real server does.
"""

from __future__ import annotations

import json
import select
import socket
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
        self.failures: dict[str, list[int]] = {"list": [], "watch": []}  # statuses to answer
        self.denied = False  # answer every list and watch with 403, as RBAC would
        self.hidden = False  # left out of discovery (an API server that has just started)

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
        self.log: list[tuple[float, str]] = []  # (monotonic time, path) of every request
        self.stopping = threading.Event()
        self.crds_forbidden = False  # 403 for reads of CustomResourceDefinitions
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
        self.stopping.set()
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

    def remove(
        self,
        kind: str,
        namespace: str,
        name: str,
        *,
        event: bool = True,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Delete an object; the DELETED event carries ``body`` instead of it when given."""
        with self.lock:
            res = self.resource(kind)
            obj = res.objects.pop((namespace, name))
            obj["metadata"]["resourceVersion"] = self._next_rv()
            if body is not None:
                obj = json.loads(json.dumps(body))
                obj.setdefault("metadata", {})["resourceVersion"] = str(self.rv)
            if event:
                res.pending.append({"type": "DELETED", "object": obj})

    def fail(self, kind: str, status: int, *, count: int = 1, on: str = "list") -> None:
        """Answer the next ``count`` list (or watch) requests of ``kind`` with ``status``."""
        with self.lock:
            self.resource(kind).failures[on].extend([status] * count)

    def deny(self, kind: str, denied: bool = True) -> None:
        """Answer every list and watch of ``kind`` with 403 Forbidden (until ``denied=False``)."""
        with self.lock:
            self.resource(kind).denied = denied

    def hide(self, kind: str, hidden: bool = True) -> None:
        """Leave ``kind`` out of discovery while its CRD exists (a restarting API server)."""
        with self.lock:
            self.resource(kind).hidden = hidden

    def count(self, kind: str, *, watch: bool = False) -> int:
        """How many list (or watch) requests of ``kind`` were made."""
        res = self.resource(kind)
        paths = set(res.paths())
        return sum(
            1
            for _, path in self.log
            if urlparse(path).path in paths and (("watch=" in path) == watch)
        )

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
    def _discovery(self, path: str) -> dict[str, Any] | None:
        groups: dict[str, list[str]] = {}
        for res in self.resources:
            if res.group and not res.hidden:
                versions = groups.setdefault(res.group, [])
                versions.extend(v for v in res.versions if v not in versions)
        if path == "/api":
            return {"kind": "APIVersions", "versions": ["v1"]}
        if path == "/apis":
            return {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [
                    {
                        "name": group,
                        "versions": [
                            {"groupVersion": f"{group}/{v}", "version": v} for v in versions
                        ],
                        "preferredVersion": {
                            "groupVersion": f"{group}/{versions[0]}",
                            "version": versions[0],
                        },
                    }
                    for group, versions in groups.items()
                ],
            }
        parts = path.strip("/").split("/")
        if parts == ["api", "v1"]:
            group, version = "", "v1"
        elif len(parts) == 3 and parts[0] == "apis" and parts[2] in groups.get(parts[1], []):
            group, version = parts[1], parts[2]
        else:
            return None
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{group}/{version}".lstrip("/"),
            "resources": [
                {"name": r.plural, "kind": r.kind, "namespaced": r.kind != "Namespace"}
                for r in self.resources
                if r.group == group and version in r.versions and not r.hidden
            ]
            + [
                {"name": f"{r.plural}/status", "kind": r.kind, "namespaced": True}
                for r in self.resources
                if r.group == group and version in r.versions and r.group and not r.hidden
            ],
        }

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(req.path)
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        self.requests.append(req.path)
        self.log.append((time.monotonic(), req.path))
        discovery = self._discovery(parsed.path.rstrip("/"))
        if discovery is not None:
            _reply(req, 200, discovery)
            return
        crd_prefix = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
        if parsed.path.startswith(crd_prefix):
            name = parsed.path.removeprefix(crd_prefix)
            if self.crds_forbidden:
                _reply(req, 403, _status(403, "Forbidden", "cannot get customresourcedefinitions"))
            elif any(f"{r.plural}.{r.group}" == name for r in self.resources if r.group):
                _reply(req, 200, {"kind": "CustomResourceDefinition", "metadata": {"name": name}})
            else:
                _reply(req, 404, _status(404, "NotFound", f"{name} not found"))
            return
        route = self._routes.get(parsed.path)
        if route is None:
            _reply(req, 404, _status(404, "NotFound", "the server could not find the resource"))
            return
        res, version = route
        watch = query.get("watch") in ("true", "True", "1")
        with self.lock:
            failures = res.failures["watch" if watch else "list"]
            status = 403 if res.denied else failures.pop(0) if failures else None
        if status is not None:
            reason = {403: "Forbidden", 404: "NotFound"}.get(status, "InternalError")
            _reply(req, status, _status(status, reason, f"scripted {status} for {res.plural}"))
            return
        if watch:
            with self.lock:
                gone, res.gone_next_watch = res.gone_next_watch, False
            if gone:
                _reply(req, 410, _status(410, "Expired", "too old resource version"))
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

        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and not self.stopping.is_set():
                if _closed_by_client(req):
                    return
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


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": reason,
        "message": message,
        "code": code,
    }


def _closed_by_client(req: BaseHTTPRequestHandler) -> bool:
    """Whether the client has closed (or shut down) its end of the watch connection."""
    sock = req.connection
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        peeked: bytes = sock.recv(1, socket.MSG_PEEK)
        return peeked == b""
    except OSError:
        return True
