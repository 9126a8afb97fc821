"""Start and stop a throw-away etcd + kube-apiserver on 127.0.0.1 for the integration tests.

``.ci/run`` starts one before the test suite and stops it afterwards::

    python -m tests.k8s.apiserver start DIR    # prints GATEWAYDNS_KUBE_DIR=DIR
    python -m tests.k8s.apiserver stop DIR

Without ``GATEWAYDNS_KUBE_DIR`` the ``cluster`` fixture starts its own. The binary comes from
``$GATEWAYDNS_KUBE_APISERVER`` or the build cache of ``tests/k8s/build-kube-apiserver.sh``;
etcd is Debian's ``etcd-server``. Everything lives in DIR: etcd's data, a throw-away
service-account key, static bearer tokens (``admin`` in ``system:masters``; ``limited``, which
RBAC tests grant rights to), the serving certificate the server generates, logs, a
``kubeconfig`` for the admin and ``cluster.json`` describing the processes, so that a test can
SIGKILL the API server and start it again on the same port and etcd.
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any

HERE = pathlib.Path(__file__).parent
BUILD_SCRIPT = HERE / "build-kube-apiserver.sh"
VERSION = "1.20.2"


def cache_dir() -> pathlib.Path:
    """Where build-kube-apiserver.sh puts the binary (keep in step with the script)."""
    if os.environ.get("GATEWAYDNS_K8S_CACHE"):
        return pathlib.Path(os.environ["GATEWAYDNS_K8S_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(pathlib.Path.home() / ".cache")
    return pathlib.Path(base) / "gatewaydns" / f"kube-apiserver-{VERSION}"


def apiserver_binary() -> str | None:
    """The kube-apiserver to run, or ``None`` when it has not been built on this machine."""
    explicit = os.environ.get("GATEWAYDNS_KUBE_APISERVER")
    if explicit:
        return explicit
    cached = cache_dir() / "kube-apiserver"
    return str(cached) if cached.is_file() else None


def etcd_binary() -> str | None:
    return shutil.which("etcd") or ("/usr/bin/etcd" if os.path.exists("/usr/bin/etcd") else None)


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_PROCS: dict[int, subprocess.Popen[bytes]] = {}  # the processes this one started
CLIENTS: list[Any] = []  # ApiClients handed out by Cluster.client(), for the tests to close


def _alive(pid: int) -> bool:
    proc = _PROCS.get(pid)
    if proc is not None:
        return proc.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _spawn(argv: list[str], log: pathlib.Path) -> int:
    with open(log, "ab") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=log.parent
        )
    _PROCS[proc.pid] = proc
    return proc.pid


def _terminate(pid: int, timeout: float = 10) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
    proc = _PROCS.pop(pid, None)
    if proc is not None:
        proc.wait()


@dataclass
class Cluster:
    """A running etcd + kube-apiserver, as recorded in ``DIR/cluster.json``."""

    directory: str
    url: str
    port: int
    tokens: dict[str, str]
    etcd_pid: int
    etcd_argv: list[str]
    apiserver_pid: int
    apiserver_argv: list[str]

    # --- persistence -----------------------------------------------------------------------
    @property
    def path(self) -> pathlib.Path:
        return pathlib.Path(self.directory)

    @property
    def ca_file(self) -> str:
        return str(self.path / "certs" / "apiserver.crt")

    def save(self) -> None:
        (self.path / "cluster.json").write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, directory: pathlib.Path) -> Cluster:
        return cls(**json.loads((directory / "cluster.json").read_text()))

    # --- clients ---------------------------------------------------------------------------
    def client(self, user: str = "admin") -> Any:
        """A ``kubernetes.client.ApiClient`` authenticated as ``user`` (admin or limited)."""
        import kubernetes.client

        config = kubernetes.client.Configuration(host=self.url)
        config.ssl_ca_cert = self.ca_file
        config.api_key = {"authorization": self.tokens[user]}
        config.api_key_prefix = {"authorization": "Bearer"}
        client = kubernetes.client.ApiClient(config)
        CLIENTS.append(client)
        return client

    def request(
        self, method: str, path: str, body: Any = None, *, user: str = "admin", timeout: float = 10
    ) -> tuple[int, Any]:
        """A raw JSON request (what ``kubectl`` would send); returns (status, decoded body)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.tokens[user]}")
        req.add_header("Accept", "application/json")
        if data is not None:
            ctype = "application/merge-patch+json" if method == "PATCH" else "application/json"
            req.add_header("Content-Type", ctype)
        context = ssl.create_default_context(cafile=self.ca_file)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
                return resp.status, _decode(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _decode(exc.read())

    def ready(self) -> bool:
        try:
            status, _ = self.request("GET", "/readyz", timeout=1)
        except OSError:
            return False
        return status == 200

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(self.apiserver_pid):
                break
            if self.ready():
                return
            time.sleep(0.1)
        log = (self.path / "kube-apiserver.log").read_text(errors="replace")[-4000:]
        raise RuntimeError(f"kube-apiserver did not become ready; log tail:\n{log}")

    # --- faults ----------------------------------------------------------------------------
    def kill_apiserver(self) -> None:
        """SIGKILL the API server (no graceful shutdown: connections just break)."""
        try:
            os.kill(self.apiserver_pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        while _alive(self.apiserver_pid):
            time.sleep(0.02)
        proc = _PROCS.pop(self.apiserver_pid, None)
        if proc is not None:
            proc.wait()

    def start_apiserver(self) -> None:
        """Start the API server again, same port, same etcd."""
        self.apiserver_pid = _spawn(self.apiserver_argv, self.path / "kube-apiserver.log")
        self.save()
        self.wait_ready()

    def stop(self) -> None:
        _terminate(self.apiserver_pid)
        _terminate(self.etcd_pid)


def _kubeconfig(url: str, ca_file: str, token: str) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "gatewaydns-test",
                    "cluster": {"server": url, "certificate-authority": ca_file},
                }
            ],
            "users": [{"name": "admin", "user": {"token": token}}],
            "contexts": [
                {"name": "admin", "context": {"cluster": "gatewaydns-test", "user": "admin"}}
            ],
            "current-context": "admin",
        },
        indent=2,
    )


def start(directory: pathlib.Path) -> Cluster:
    """Start etcd and kube-apiserver in ``directory`` and wait until the server is ready."""
    binary = apiserver_binary()
    if binary is None:
        raise RuntimeError(f"no kube-apiserver: run bash {BUILD_SCRIPT} (4 to 7 minutes, once)")
    etcd = etcd_binary()
    if etcd is None:
        raise RuntimeError("etcd is not installed (Debian package etcd-server)")
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / "sa.key"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-out", str(directory / "sa.pub")],
        check=True,
        capture_output=True,
    )
    tokens = {user: secrets.token_hex(16) for user in ("admin", "limited")}
    (directory / "tokens.csv").write_text(
        f'{tokens["admin"]},admin,1,"system:masters"\n{tokens["limited"]},limited,2\n'
    )
    client_port, peer_port, port = _free_port(), _free_port(), _free_port()
    client_url, peer_url = f"http://127.0.0.1:{client_port}", f"http://127.0.0.1:{peer_port}"
    etcd_argv = [
        etcd,
        "--name=gatewaydns-test",
        f"--data-dir={directory / 'etcd'}",
        f"--listen-client-urls={client_url}",
        f"--advertise-client-urls={client_url}",
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--initial-cluster=gatewaydns-test={peer_url}",
        "--log-level=warn",
    ]
    etcd_pid = _spawn(etcd_argv, directory / "etcd.log")
    apiserver_argv = [
        binary,
        f"--etcd-servers={client_url}",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={port}",
        "--insecure-port=0",
        f"--cert-dir={directory / 'certs'}",
        f"--token-auth-file={directory / 'tokens.csv'}",
        "--authorization-mode=RBAC",
        f"--service-account-key-file={directory / 'sa.pub'}",
        f"--service-account-signing-key-file={key}",
        "--service-account-issuer=https://kubernetes.default.svc",
        "--service-cluster-ip-range=10.0.0.0/24",
        "--v=1",
    ]
    url = f"https://127.0.0.1:{port}"
    cluster = Cluster(str(directory), url, port, tokens, etcd_pid, etcd_argv, 0, apiserver_argv)
    cluster.save()
    # etcd answers within a second; the API server retries its etcd connection meanwhile
    cluster.start_apiserver()
    (directory / "kubeconfig").write_text(_kubeconfig(url, cluster.ca_file, tokens["admin"]))
    return cluster


def stop(directory: pathlib.Path) -> None:
    if (directory / "cluster.json").exists():
        Cluster.load(directory).stop()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python -m tests.k8s.apiserver start|stop DIR", file=sys.stderr)
        return 2
    directory = pathlib.Path(argv[1]).resolve()
    if argv[0] == "stop":
        stop(directory)
        return 0
    start(directory)
    print(f"GATEWAYDNS_KUBE_DIR={directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
