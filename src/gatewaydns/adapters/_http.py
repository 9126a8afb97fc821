"""A small HTTP/1.1 client on the standard library, shared by the HTTP-based providers.

No redirects are followed and no proxy is used (these providers talk to a sidecar or to a DNS
server's API). Every failure is an :class:`HTTPError` saying whether it is worth retrying;
nothing from :mod:`http.client`, :mod:`ssl` or the socket layer escapes.
"""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.parse
from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_BODY", "HTTPError", "Response", "Target", "request"]

#: The largest response body read by default: 32 MiB, as external-dns's webhook client.
DEFAULT_MAX_BODY = 32 << 20
_CHUNK = 64 << 10


class HTTPError(Exception):
    """A request failed before a complete response arrived (or the response was too big).

    Attributes:
        retryable: whether the same request may succeed later.
    """

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Response:
    """A complete HTTP response."""

    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def header(self, name: str) -> str:
        """A header's value, ``""`` when absent."""
        return self.headers.get(name.lower(), "")


@dataclass(frozen=True)
class Target:
    """Where requests go: scheme, host, port and a base path (no trailing slash)."""

    scheme: str
    host: str
    port: int
    base: str

    @classmethod
    def parse(cls, url: str) -> Target:
        """Read a base URL (``http://127.0.0.1:8888``, ``https://dns.example/api``).

        Raises:
            ValueError: not an http(s) URL with a host, or with a query or fragment.
        """
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            msg = f"{url!r} is not an http:// or https:// URL"
            raise ValueError(msg)
        if not parts.hostname:
            msg = f"{url!r} has no host"
            raise ValueError(msg)
        if parts.query or parts.fragment:
            msg = f"{url!r} must not have a query or a fragment"
            raise ValueError(msg)
        try:
            port = parts.port
        except ValueError as exc:
            msg = f"{url!r} has an invalid port"
            raise ValueError(msg) from exc
        default = 443 if parts.scheme == "https" else 80
        return cls(parts.scheme, parts.hostname, port or default, parts.path.rstrip("/"))

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.base}"


def request(
    target: Target,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float,
    max_body: int = DEFAULT_MAX_BODY,
    ssl_context: ssl.SSLContext | None = None,
) -> Response:
    """Send one request and read the whole response.

    Args:
        target: the server.
        method: ``GET``, ``POST``, ``PATCH``, ...
        path: the path below the target's base (``/records``).
        headers: request headers.
        body: the request body.
        timeout: seconds for the whole exchange (connect, send, receive).
        max_body: the largest response body accepted (``<= 0``: no limit).
        ssl_context: for ``https``; the default verifies certificates.

    Raises:
        HTTPError: connection refused or reset, timeout (retryable), TLS failure, a body over
            ``max_body`` or a malformed response (not retryable).
    """
    where = f"{method} {target}{path}"
    deadline = time.monotonic() + timeout
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        conn = http.client.HTTPSConnection(
            target.host,
            target.port,
            timeout=timeout,
            context=ssl_context or ssl.create_default_context(),
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    try:
        conn.request(method, target.base + path, body=body, headers=headers or {})
        resp = conn.getresponse()
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = resp.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if 0 < max_body < size:
                msg = f"{where}: the response body exceeds {max_body} bytes"
                raise HTTPError(msg, retryable=False)
            chunks.append(chunk)
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, b"".join(chunks))
    except HTTPError:
        raise
    except TimeoutError as exc:
        msg = f"{where}: no complete answer within {timeout}s"
        raise HTTPError(msg, retryable=True) from exc
    except ssl.SSLError as exc:
        msg = f"{where}: TLS failed: {exc}"
        raise HTTPError(msg, retryable=False) from exc
    except (ConnectionError, http.client.RemoteDisconnected) as exc:
        msg = f"{where}: the connection was refused or dropped (is the server up?)"
        raise HTTPError(msg, retryable=True) from exc
    except http.client.HTTPException as exc:
        msg = f"{where}: malformed HTTP response: {type(exc).__name__}: {exc}"
        raise HTTPError(msg, retryable=True) from exc
    except OSError as exc:  # unreachable network, unknown host name, ...
        msg = f"{where}: {exc.strerror or exc}"
        raise HTTPError(msg, retryable=True) from exc
    finally:
        conn.close()
