"""Start and stop a throw-away PowerDNS Authoritative server (SQLite backend) on 127.0.0.1.

``.ci/run`` starts one before the test suite and stops it afterwards::

    python -m tests.pdns_server start DIR    # prints KEY=VALUE lines for the environment
    python -m tests.pdns_server stop DIR

The tests read ``GATEWAYDNS_PDNS`` (the API's base URL), ``GATEWAYDNS_PDNS_KEY`` (the API key),
``GATEWAYDNS_PDNS_DNS`` (``host:port`` of its DNS service, for independent AXFR read-backs) and
``GATEWAYDNS_PDNS_ZONE``. Without them, the ``pdns`` fixture starts its own server when
``pdns_server`` is installed (Debian: ``pdns-server pdns-backend-sqlite3``). The configuration
written here is the one shown in ``docs/adapters.md``.
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

ZONE = "example.com"
SCHEMA = pathlib.Path("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql")

PDNS_CONF = """\
launch=gsqlite3
gsqlite3-database={dir}/pdns.sqlite3
local-address=127.0.0.1
local-port={dns_port}
api=yes
api-key={key}
webserver=yes
webserver-address=127.0.0.1
webserver-port={api_port}
webserver-allow-from=127.0.0.1
allow-axfr-ips=127.0.0.1
disable-axfr=no
security-poll-suffix=
socket-dir={dir}
guardian=no
daemon=no
disable-syslog=yes
loglevel=4
"""


@dataclass(frozen=True)
class PowerDNS:
    """A running pdns_server: its API, its key, its DNS port and its zone."""

    api: str
    key: str
    dns: str
    zone: str

    def env(self) -> dict[str, str]:
        return {
            "GATEWAYDNS_PDNS": self.api,
            "GATEWAYDNS_PDNS_KEY": self.key,
            "GATEWAYDNS_PDNS_DNS": self.dns,
            "GATEWAYDNS_PDNS_ZONE": self.zone,
        }


_PROCS: dict[pathlib.Path, subprocess.Popen[bytes]] = {}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pdns_binary() -> str | None:
    binary = shutil.which("pdns_server") or next(
        (p for p in ("/usr/sbin/pdns_server",) if os.path.exists(p)), None
    )
    return binary if binary and SCHEMA.exists() else None


def api_call(api: str, key: str, method: str, path: str, body: object = None) -> object:
    """One API request (for the fixtures and tests, independent of the provider)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        api + "/api/v1/servers/localhost" + path,
        data=data,
        method=method,
        headers={"X-API-Key": key, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read()
    return json.loads(text) if text else None


def start(directory: pathlib.Path) -> PowerDNS:
    binary = pdns_binary()
    if binary is None:
        raise RuntimeError("pdns_server (Debian: pdns-server pdns-backend-sqlite3) is missing")
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "pdns.sqlite3"
    db.unlink(missing_ok=True)
    with sqlite3.connect(db) as conn:
        conn.executescript(SCHEMA.read_text())
    key = secrets.token_hex(16)
    dns_port, api_port = _free_port(), _free_port()
    (directory / "pdns.conf").write_text(
        PDNS_CONF.format(dir=directory, dns_port=dns_port, api_port=api_port, key=key)
    )
    with open(directory / "pdns.log", "wb") as log:
        _PROCS[directory] = subprocess.Popen(
            [binary, f"--config-dir={directory}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (directory / "pdns.pid").write_text(str(_PROCS[directory].pid))
    api = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            api_call(api, key, "GET", "")
            break
        except (OSError, urllib.error.URLError):
            if time.monotonic() > deadline:
                log_text = (directory / "pdns.log").read_text()
                raise RuntimeError(f"pdns_server did not start; log:\n{log_text}") from None
            time.sleep(0.1)
    api_call(
        api,
        key,
        "POST",
        "/zones",
        {
            "name": ZONE + ".",
            "kind": "Native",
            "nameservers": [f"ns.{ZONE}."],
            "rrsets": [
                {
                    "name": f"ns.{ZONE}.",
                    "type": "A",
                    "ttl": 300,
                    "changetype": "REPLACE",
                    "records": [{"content": "127.0.0.1", "disabled": False}],
                }
            ],
        },
    )
    return PowerDNS(api, key, f"127.0.0.1:{dns_port}", ZONE)


def stop(directory: pathlib.Path) -> None:
    proc = _PROCS.pop(directory, None)
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return
    pid_file = directory / "pdns.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tests.pdns_server start|stop DIR", file=sys.stderr)
        return 2
    directory = pathlib.Path(argv[1]).resolve()
    if argv[0] == "stop":
        stop(directory)
        return 0
    server = start(directory)
    for key, value in server.env().items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
