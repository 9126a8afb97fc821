"""Start and stop a throw-away BIND 9 ``named`` on 127.0.0.1 for the RFC 2136 tests.

``.ci/run`` starts one before the test suite and stops it afterwards::

    python -m tests.bind_server start DIR    # prints KEY=VALUE lines for the environment
    python -m tests.bind_server stop DIR

The tests read ``GATEWAYDNS_NAMED`` (``host:port``), ``GATEWAYDNS_NAMED_KEY`` (``name:secret``)
and ``GATEWAYDNS_NAMED_ZONE``. Without them, the ``named_server`` fixture starts its own server
when ``named`` is installed. The configuration written here is the starting point documented in
``docs/adapters.md``.
"""

from __future__ import annotations

import base64
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

ZONE = "example.com"
KEY_NAME = "gatewaydns-key"

NAMED_CONF = """\
key "{key}" {{
    algorithm hmac-sha256;
    secret "{secret}";
}};

options {{
    directory "{dir}";
    pid-file "{dir}/named.pid";
    session-keyfile "{dir}/session.key";
    managed-keys-directory "{dir}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    notify no;
    allow-transfer {{ key "{key}"; }};
}};

controls {{ }};

zone "{zone}" {{
    type primary;
    file "{dir}/{zone}.db";
    update-policy {{ grant "{key}" zonesub ANY; }};
    allow-transfer {{ key "{key}"; }};
}};
"""

ZONE_FILE = """\
$TTL 300
@   IN SOA ns.{zone}. hostmaster.{zone}. ( 1 3600 600 86400 60 )
@   IN NS  ns.{zone}.
ns  IN A   127.0.0.1
"""


@dataclass(frozen=True)
class Named:
    """A running named: where it listens and the key it accepts."""

    host: str
    port: int
    key_name: str
    secret: str
    zone: str

    def env(self) -> dict[str, str]:
        return {
            "GATEWAYDNS_NAMED": f"{self.host}:{self.port}",
            "GATEWAYDNS_NAMED_KEY": f"{self.key_name}:{self.secret}",
            "GATEWAYDNS_NAMED_ZONE": self.zone,
        }


_PROCS: dict[pathlib.Path, subprocess.Popen[bytes]] = {}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def named_binary() -> str | None:
    return shutil.which("named") or next(
        (p for p in ("/usr/sbin/named", "/usr/local/sbin/named") if os.path.exists(p)), None
    )


def start(directory: pathlib.Path) -> Named:
    binary = named_binary()
    if binary is None:
        raise RuntimeError("named (Debian package bind9) is not installed")
    directory.mkdir(parents=True, exist_ok=True)
    secret = base64.b64encode(secrets.token_bytes(32)).decode()
    port = _free_port()
    conf = directory / "named.conf"
    conf.write_text(
        NAMED_CONF.format(key=KEY_NAME, secret=secret, dir=directory, port=port, zone=ZONE)
    )
    (directory / f"{ZONE}.db").write_text(ZONE_FILE.format(zone=ZONE))
    with open(directory / "named.log", "wb") as log:  # the child keeps its own descriptor
        _PROCS[directory] = subprocess.Popen(
            [binary, "-g", "-c", str(conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        raise RuntimeError(f"named did not start; log:\n{(directory / 'named.log').read_text()}")
    return Named("127.0.0.1", port, KEY_NAME, secret, ZONE)


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
    pid_file = directory / "named.pid"
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
        print("usage: python -m tests.bind_server start|stop DIR", file=sys.stderr)
        return 2
    directory = pathlib.Path(argv[1]).resolve()
    if argv[0] == "stop":
        stop(directory)
        return 0
    named = start(directory)
    for key, value in named.env().items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
