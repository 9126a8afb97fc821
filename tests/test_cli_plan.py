"""``gatewaydns plan`` and ``gatewaydns sync`` end to end against BIND 9 and PowerDNS.

The zones are read back independently (AXFR), and docs/cli.md's examples are run as written
(with the test servers' ports) and must print exactly what the page shows.
"""

from __future__ import annotations

import io
import json
import pathlib
import re
import shlex
from typing import Any

import pytest

from gatewaydns._cli import main

from . import dnsutil, pdnsutil
from .helpers import accepted, gateway, route

ROOT = pathlib.Path(__file__).parent.parent
MOVE = "examples/parentref-move"
OWNER = "cluster-eu-1"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def bind(named: dict[str, Any], provider: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The rfc2136 flags for the test BIND (emptied), its secret in the environment."""
    monkeypatch.setenv("GATEWAYDNS_RFC2136_TSIG_SECRET", named["key"].secret)
    monkeypatch.chdir(ROOT)
    return [
        "--provider",
        "rfc2136",
        "--rfc2136-host",
        named["host"],
        "--rfc2136-port",
        str(named["port"]),
        "--rfc2136-zone",
        named["zone"],
        "--rfc2136-tsig-keyname",
        named["key"].name,
        "--owner-id",
        OWNER,
    ]


@pytest.fixture
def powerdns(pdns: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The powerdns flags for the test PowerDNS (emptied), its key in the environment."""
    pdnsutil.reset(pdns)
    monkeypatch.setenv("GATEWAYDNS_PDNS_API_KEY", pdns["key"])
    monkeypatch.chdir(ROOT)
    return [
        "--provider",
        "powerdns",
        "--pdns-server",
        pdns["api"],
        "--pdns-zone",
        pdns["zone"],
        "--owner-id",
        OWNER,
    ]


def owned(zone: dict[tuple[str, str], tuple[str, ...]]) -> set[tuple[str, str]]:
    return {
        (name, rtype)
        for (name, rtype), values in zone.items()
        if rtype != "TXT"
        and any(f"owner={OWNER}" in v for v in zone.get((f"{rtype.lower()}-{name}", "TXT"), ()))
    }


@pytest.mark.parametrize("server", ["bind", "powerdns"])
def test_plan_sync_plan(server: str, request: pytest.FixtureRequest) -> None:
    flags: list[str] = request.getfixturevalue(server)
    if server == "bind":
        named = request.getfixturevalue("named")

        def dump() -> dict[tuple[str, str], tuple[str, ...]]:
            return dnsutil.dump(named)
    else:
        pdns = request.getfixturevalue("pdns")

        def dump() -> dict[tuple[str, str], tuple[str, ...]]:
            return pdnsutil.dump(pdns)

    code, out, err = run("plan", f"{MOVE}/after.yaml", *flags)
    assert (code, err) == (2, "")
    assert "Plan: 8 to create, 0 to update, 0 to delete" in out
    assert owned(dump()) == set()  # a dry run
    code, out, err = run("sync", f"{MOVE}/after.yaml", *flags)
    assert (code, err) == (0, ""), err
    assert out.endswith("Applied 4 change unit(s).\n")
    assert owned(dump()) == {
        ("blog.example.com", "A"),
        ("news.example.com", "A"),
        ("shop.example.com", "A"),
        ("shop.example.com", "AAAA"),
    }
    assert dump()[("shop.example.com", "AAAA")] == ("2001:db8::20",)
    assert run("plan", f"{MOVE}/after.yaml", *flags)[:2] == (
        0,
        "No changes: the zones hold what the manifests call for.\n",
    )
    code, out, _ = run("plan", f"{MOVE}/before.yaml", *flags, "-o", "json")
    assert code == 2
    data = json.loads(out)
    assert set(data) == {"changes", "withheld", "diagnostics"}
    assert [e["dnsName"] for e in data["changes"]["updateNew"]] == ["shop.example.com"]
    assert sorted(e["dnsName"] for e in data["changes"]["delete"]) == [
        "a-news.example.com",
        "aaaa-shop.example.com",
        "news.example.com",
        "shop.example.com",
    ]


def many_routes(tmp_path: pathlib.Path, count: int) -> str:
    docs: list[Any] = [gateway("edge", addresses=["192.0.2.10"])]
    docs += [
        route(
            f"r{i}",
            hostnames=[f"r{i}.example.com"],
            parents=[{"name": "edge", "namespace": "infra"}],
            status=[accepted("edge")],
        )
        for i in range(count)
    ]
    path = tmp_path / f"routes-{count}.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}))
    return str(path)


def test_sync_deletion_guard_and_force(
    named: dict[str, Any], bind: list[str], tmp_path: pathlib.Path
) -> None:
    assert run("sync", many_routes(tmp_path, 13), *bind)[0] == 0
    assert len(owned(dnsutil.dump(named))) == 13
    two = many_routes(tmp_path, 2)
    code, out, _ = run("plan", two, *bind)
    assert code == 2
    assert out.count("\nwithheld ") == 22  # 11 records and their TXTs
    assert "Withheld by the deletion guard: 22 deletions" in out
    code, out, err = run("sync", two, *bind)
    assert code == 1
    assert "deletion guard withheld deletions" in err
    assert len(owned(dnsutil.dump(named))) == 13
    code, out, err = run("sync", two, *bind, "--force")
    assert (code, err) == (0, "")
    assert owned(dnsutil.dump(named)) == {("r0.example.com", "A"), ("r1.example.com", "A")}


def test_sync_keeps_creating_while_deletions_are_withheld(
    named: dict[str, Any], bind: list[str], tmp_path: pathlib.Path
) -> None:
    run("sync", many_routes(tmp_path, 13), *bind)
    other = tmp_path / "other.json"
    docs = [
        gateway("edge", addresses=["192.0.2.10"]),
        route(
            "new",
            hostnames=["new.example.com"],
            parents=[{"name": "edge", "namespace": "infra"}],
            status=[accepted("edge")],
        ),
    ]
    other.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}))
    code, _, _ = run("sync", str(other), *bind)
    assert code == 1
    assert ("new.example.com", "A") in owned(dnsutil.dump(named))
    assert len(owned(dnsutil.dump(named))) == 14


def test_upsert_only_never_deletes(named: dict[str, Any], bind: list[str]) -> None:
    run("sync", f"{MOVE}/after.yaml", *bind)
    code, out, _ = run("sync", f"{MOVE}/before.yaml", *bind, "--policy", "upsert-only")
    assert code == 0
    assert "\ndelete " not in out
    zone = dnsutil.dump(named)
    assert zone[("shop.example.com", "A")] == ("203.0.113.10",)
    assert ("news.example.com", "A") in zone


# --- secrets and errors --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flag", "hint"),
    [
        (
            "--rfc2136-tsig-secret",
            "--rfc2136-tsig-secret-file FILE or the environment variable GATEWAYDNS_RFC2136_TSIG_SECRET",
        ),
        (
            "--pdns-api-key",
            "--pdns-api-key-file FILE or the environment variable GATEWAYDNS_PDNS_API_KEY",
        ),
    ],
)
def test_secrets_are_refused_on_the_command_line(
    flag: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["plan", "--provider", "powerdns", "--owner-id", "x", flag, "s3cret"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert hint in err
    assert "s3cret" not in err


def test_usage_errors_of_plan_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["plan", "--provider", "rfc2136"])  # no --owner-id
    assert info.value.code == 1
    assert "--owner-id" in capsys.readouterr().err


def test_secret_from_a_file(
    named: dict[str, Any], bind: list[str], tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAYDNS_RFC2136_TSIG_SECRET")
    code, _, err = run("plan", f"{MOVE}/after.yaml", *bind)
    assert code == 1
    assert "--rfc2136-tsig-keyname needs its secret" in err
    secret = tmp_path / "tsig.secret"
    secret.write_text(named["key"].secret + "\n")
    assert (
        run("plan", f"{MOVE}/after.yaml", *bind, "--rfc2136-tsig-secret-file", str(secret))[0] == 2
    )
    secret.write_text("")
    code, _, err = run(
        "plan", f"{MOVE}/after.yaml", *bind, "--rfc2136-tsig-secret-file", str(secret)
    )
    assert (code, "the file is empty" in err) == (1, True)
    code, _, err = run(
        "plan", f"{MOVE}/after.yaml", *bind, "--rfc2136-tsig-secret-file", str(tmp_path / "nope")
    )
    assert (code, "cannot read it" in err) == (1, True)


def test_missing_provider_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GATEWAYDNS_PDNS_API_KEY", raising=False)
    code, _, err = run("plan", f"{MOVE}/after.yaml", "--provider", "rfc2136", "--owner-id", "x")
    assert (code, err) == (
        1,
        "gatewaydns: error: --provider rfc2136 needs --rfc2136-host and --rfc2136-zone\n",
    )
    code, _, err = run(
        "plan",
        f"{MOVE}/after.yaml",
        "--provider",
        "powerdns",
        "--pdns-server",
        "http://127.0.0.1:1",
        "--pdns-zone",
        "example.com",
        "--owner-id",
        "x",
    )
    assert code == 1
    assert "GATEWAYDNS_PDNS_API_KEY" in err


def test_provider_errors_exit_1(
    named: dict[str, Any], bind: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAYDNS_RFC2136_TSIG_SECRET", "c2VjcmV0")
    code, out, err = run("plan", f"{MOVE}/after.yaml", *bind)
    assert (code, out) == (1, "")
    assert "TSIG" in err


def test_plan_through_the_webhook(named: dict[str, Any], bind: list[str], provider: Any) -> None:
    import threading

    from gatewaydns import TXTRegistry
    from gatewaydns.adapters.webhook import make_server

    server = make_server(provider, "127.0.0.1", 0, registry=TXTRegistry(OWNER))
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        hook = ["--provider", "webhook", "--webhook-provider-url", server.url, "--owner-id", OWNER]
        assert run("sync", f"{MOVE}/after.yaml", *hook)[0] == 0
        assert run("plan", f"{MOVE}/after.yaml", *hook)[0] == 0
    finally:
        server.shutdown()
        server.server_close()
    assert len(owned(dnsutil.dump(named))) == 4


# --- docs/cli.md -----------------------------------------------------------------------------------
BLOCK = re.compile(
    r"```console\n\$ (gatewaydns (?:plan|sync) (?:[^\n]*\\\n)*[^\n]*)\n(.*?)```", re.DOTALL
)


def test_cli_page_examples_print_what_the_page_shows(
    named: dict[str, Any], pdns: dict[str, Any], bind: list[str], powerdns: list[str]
) -> None:
    text = (ROOT / "docs/cli.md").read_text()
    examples = BLOCK.findall(text)
    assert len(examples) == 7
    pdns_ready = False
    for written, expected in examples:
        command = (
            written.replace("\\\n", " ")
            .replace("--rfc2136-port 5353", f"--rfc2136-port {named['port']}")
            .replace("http://127.0.0.1:8081", pdns["api"])
            .replace("before.json", "tests/data/golden/move-before.json")
        )
        if "powerdns" in command and not pdns_ready:
            pdnsutil.patch(pdns, ("blog.example.com", "A", ["198.51.100.7"]))
            pdns_ready = True
        argv = shlex.split(command)[1:]
        if "--pdns-api-key" in argv:
            with pytest.raises(SystemExit) as info:
                main(argv)
            assert info.value.code == 1
            continue
        code, out, err = run(*argv)
        assert err == ""
        assert out == expected, command
        assert code == (2 if argv[0] == "plan" and out.startswith("ACTION") else 0)
