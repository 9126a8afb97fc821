"""The gatewaydns command line: golden outputs for every example, errors, exit codes."""

from __future__ import annotations

import io
import json
import pathlib
import re
import subprocess
import sys
from typing import Any

import pytest

from gatewaydns._cli import main

from .helpers import ALL, accepted, gateway, listener, route

ROOT = pathlib.Path(__file__).parent.parent
GOLDEN = pathlib.Path(__file__).parent / "data" / "golden"
MOVE = "examples/parentref-move"
DUAL = "examples/wildcard-dualstack/cluster.yaml"
SECTION = "examples/section-move"

#: golden file -> CLI arguments (paths relative to the repository root)
CASES: dict[str, list[str]] = {
    "move-before.txt": ["endpoints", f"{MOVE}/before.yaml"],
    "move-lagging-strict.txt": ["endpoints", f"{MOVE}/lagging.yaml"],
    "move-lagging-latest.txt": [
        "endpoints",
        f"{MOVE}/lagging.yaml",
        "--generation-policy",
        "latest",
    ],
    "move-lagging-hold.txt": [
        "endpoints",
        f"{MOVE}/lagging.yaml",
        "--previous",
        "tests/data/golden/move-before.json",
    ],
    "move-lagging-explain.txt": ["endpoints", f"{MOVE}/lagging.yaml", "--explain"],
    "move-after.txt": ["endpoints", f"{MOVE}/after.yaml"],
    "move-after-explain-shop.txt": ["endpoints", f"{MOVE}/after.yaml", "--explain", "app/shop"],
    "move-before.json": ["endpoints", f"{MOVE}/before.yaml", "-o", "json"],
    "move-lagging-explain.json": [
        "endpoints",
        f"{MOVE}/lagging.yaml",
        "-o",
        "json",
        "--explain",
        "HTTPRoute/app/shop",
    ],
    "move-after.yaml": ["endpoints", f"{MOVE}/after.yaml", "-o", "yaml"],
    # generation validation alone makes the difference here (the stale entry matches the spec)
    "section-before.json": ["endpoints", f"{SECTION}/before.yaml", "-o", "json"],
    "section-lagging-strict.txt": ["endpoints", f"{SECTION}/lagging.yaml"],
    "section-lagging-off.txt": [
        "endpoints",
        f"{SECTION}/lagging.yaml",
        "--generation-policy",
        "off",
    ],
    "section-lagging-hold.txt": [
        "endpoints",
        f"{SECTION}/lagging.yaml",
        "--previous",
        "tests/data/golden/section-before.json",
    ],
    "section-lagging-explain.txt": ["endpoints", f"{SECTION}/lagging.yaml", "--explain"],
    "section-after.txt": ["endpoints", f"{SECTION}/after.yaml"],
    "dualstack.txt": ["endpoints", DUAL, "--gateway-listener-sets"],
    "dualstack-no-listenersets-explain.txt": ["endpoints", DUAL, "--explain", "team-a/portal"],
    "dualstack-template.txt": [
        "endpoints",
        DUAL,
        "--namespace",
        "team-a",
        "--fqdn-template",
        "{name}.{namespace}.example.com",
        "--label-filter",
        "!skip",
    ],
}


def run(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("golden", sorted(CASES))
def test_golden_outputs(golden: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(CASES[golden])
    assert (code, err) == (0, "")
    assert out == (GOLDEN / golden).read_text()


def test_hold_across_runs_keeps_the_previous_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    held = (GOLDEN / "move-lagging-hold.txt").read_text()
    assert "shop.example.com" in held
    assert "203.0.113.10" in held
    assert "news.example.com" not in held


def test_stdin_and_json_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    text = (ROOT / MOVE / "after.yaml").read_text()
    code, out, _ = run(["endpoints", "-"], stdin=text)
    assert code == 0
    assert out == (GOLDEN / "move-after.txt").read_text()


def test_subprocess_python_m() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gatewaydns", "endpoints", f"{MOVE}/after.yaml", "-o", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {
        "dnsName": "shop.example.com",
        "targets": ["192.0.2.20"],
        "recordType": "A",
        "labels": {"resource": "httproute/app/shop"},
    } in data


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        pytest.param(
            ["endpoints", "-"], "kind: [broken\n", "document 0: invalid YAML", id="broken-yaml"
        ),
        pytest.param(
            ["endpoints", "-"],
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: shop, namespace: app}\nspec: {parentRefs: [{port: 80}]}\n",
            "-: document 1, HTTPRoute app/shop: spec.parentRefs[0].name: field required",
            id="broken-document-among-good",
        ),
        pytest.param(
            ["endpoints", "missing.yaml"], "", "missing.yaml: No such file", id="missing-file"
        ),
        pytest.param(
            ["endpoints", "-", "--label-filter", "a in (b"],
            "",
            "--label-filter: Value error, invalid label selector at position 7",
            id="bad-selector",
        ),
        pytest.param(
            ["endpoints", "-", "--gateway-label-filter", "a in (b"],
            "",
            "--gateway-label-filter: Value error, invalid label selector at position 7",
            id="bad-gateway-selector",
        ),
        pytest.param(
            ["endpoints", "-", "--annotation-prefix", "nope"],
            "",
            "--annotation-prefix: Value error, must end with '/'",
            id="bad-prefix",
        ),
        pytest.param(
            ["endpoints", "-", "--fqdn-template", "{nme}.example.com"],
            "",
            "unknown placeholder '{nme}'",
            id="bad-template",
        ),
        pytest.param(
            ["endpoints", "-", "--previous", "README.md"],
            "",
            "--previous README.md: invalid JSON",
            id="bad-previous",
        ),
    ],
)
def test_bad_input_exits_1(
    args: list[str], stdin: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(args, stdin)
    assert code == 1
    assert out == ""
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [["endpoints", "-", "--generation-policy", "lax"], ["endpoints", "--bogus"], []],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_no_colour_when_not_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    _, out, _ = run(["endpoints", f"{MOVE}/after.yaml", "--explain"])
    assert "\033[" not in out


def test_colour_on_tty_unless_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = TTY()
    main(["endpoints", f"{MOVE}/after.yaml"], stdout=out, stderr=io.StringIO())
    assert "\033[1m" in out.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    out = TTY()
    main(["endpoints", f"{MOVE}/after.yaml"], stdout=out, stderr=io.StringIO())
    assert "\033[" not in out.getvalue()


def test_explain_says_a_stale_listener_entry_was_dropped() -> None:
    gw = gateway(
        "gw",
        listeners=[
            listener("public", hostname="public.example.com", allowed=ALL),
            listener("internal", port=8080, hostname="internal.example.com", allowed=ALL),
        ],
    )
    moved = route(
        "shop",
        parents=[{"name": "gw", "namespace": "infra", "sectionName": "internal"}],
        status=[  # the controller re-stamped the entry of the listener the route left
            accepted("gw", generation=2, sectionName="public"),
            accepted("gw", generation=2, sectionName="internal"),
        ],
        generation=2,
    )
    code, out, _ = run(["endpoints", "-", "--explain"], stdin=json.dumps([gw, moved]))
    assert code == 0
    assert out.splitlines() == [
        "HTTPRoute app/shop  (generation 2)",
        "  parent Gateway infra/gw section public: dropped as a stale listener entry, "
        "observedGeneration 2",
        "    parent-not-in-spec: stale listener entry dropped: it is for section 'public', but "
        "spec.parentRefs now reference this Gateway only as section 'internal'",
        "  parent Gateway infra/gw section internal: accepted, observedGeneration 2",
        "    listener internal: matched internal.example.com -> A 192.0.2.1",
        "  endpoints:",
        "    internal.example.com A 192.0.2.1",
    ]


def test_previous_holds_records_while_the_gateway_has_no_address(
    tmp_path: pathlib.Path,
) -> None:
    shop = route("shop", hostnames=["shop.example.com"])
    ready = gateway("gw", addresses=["192.0.2.1"])
    empty = gateway("gw", addresses=[])
    empty["status"]["conditions"] = [
        {"type": "Programmed", "status": "False", "reason": "AddressNotAssigned"}
    ]
    (tmp_path / "ready.json").write_text(json.dumps([ready, shop]))
    (tmp_path / "empty.json").write_text(json.dumps([empty, shop]))
    code, before, _ = run(["endpoints", str(tmp_path / "ready.json"), "-o", "json"])
    assert code == 0
    (tmp_path / "before.json").write_text(before)
    previous = ["--previous", str(tmp_path / "before.json")]

    code, out, _ = run(["endpoints", str(tmp_path / "empty.json"), *previous])
    assert code == 0
    assert out.splitlines()[1].split() == [
        "shop.example.com",
        "A",
        "192.0.2.1",
        "httproute/app/shop",
    ]

    code, out, _ = run(["endpoints", str(tmp_path / "empty.json"), *previous, "--explain"])
    assert code == 0
    assert out.splitlines() == [
        "HTTPRoute app/shop  (generation 1)",
        "  parent Gateway infra/gw: accepted, observedGeneration 1",
        "    listener http: matched shop.example.com -> held: A 192.0.2.1",
        "    held: Gateway infra/gw has no usable address (status.addresses is empty, "
        "Programmed=False (AddressNotAssigned)); keeping the previous records of "
        "shop.example.com until it reports one",
        "  endpoints:",
        "    shop.example.com A 192.0.2.1",
    ]

    for args in ([], [*previous, "--no-hold-on-address-loss"]):
        code, out, _ = run(["endpoints", str(tmp_path / "empty.json"), *args])
        assert (code, out.splitlines()[1:]) == (0, ["(no endpoints)"])


# --- hostile input and output (#14) -------------------------------------------------------------
ESC_NAME = "shop\x1b]0;pwned\x07"  # OSC: would set the terminal title
ESC_NS = "app\x1b[2J"  # CSI: would clear the screen
ESC_LISTENER = "http\x1b[31m\n  forged line"
ESC_GW = "gw\u202eevil"  # a bidirectional override


def hostile_docs() -> list[dict[str, Any]]:
    gw = gateway(ESC_GW, listeners=[listener(ESC_LISTENER, allowed=ALL)])
    shop = route(
        ESC_NAME,
        namespace=ESC_NS,
        hostnames=["shop.example.com"],
        parents=[{"name": ESC_GW, "namespace": "infra", "sectionName": ESC_LISTENER}],
        status=[
            accepted(ESC_GW, generation=1, sectionName=ESC_LISTENER),
            accepted(ESC_GW, generation=1, sectionName="\x9b31m"),  # C1 CSI, a stale entry
        ],
        annotations={"external-dns.kubernetes.io/hostname": "bad\x1b[5m.example.com"},
    )
    return [gw, shop]


def assert_terminal_safe(text: str, colour: bool = False) -> None:
    plain = re.sub(r"\x1b\[(?:0|1|2|31|32|33)m", "", text) if colour else text
    bad = [c for c in plain if not c.isprintable() and c != "\n"]
    assert bad == [], bad


@pytest.mark.parametrize(
    "args",
    [[], ["--explain"], ["--explain", f"{ESC_NS}/{ESC_NAME}"]],
    ids=["table", "explain", "explain-one"],
)
def test_control_characters_in_manifests_are_escaped(args: list[str]) -> None:
    code, out, err = run(["endpoints", "-", *args], stdin=json.dumps(hostile_docs()))
    assert (code, err) == (0, "")
    assert_terminal_safe(out)
    assert "\\x1b]0;pwned\\x07" in out  # shown, escaped
    if args:
        assert "\\u202e" in out
        assert "\\x9b31m" in out
        assert not any(line.startswith("  forged line") for line in out.splitlines())


def test_control_characters_are_escaped_with_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    for args in ([], ["--explain"]):
        out = TTY()
        stdin = io.StringIO(json.dumps(hostile_docs()))
        assert main(["endpoints", "-", *args], stdin=stdin, stdout=out, stderr=io.StringIO()) == 0
        assert "\033[1m" in out.getvalue()
        assert_terminal_safe(out.getvalue(), colour=True)


def test_held_previous_endpoints_are_escaped_too(tmp_path: pathlib.Path) -> None:
    # --previous is input as well: a lagging route prints what the file says, escaped
    lagging = route("shop", hostnames=["shop.example.com"], status=[accepted()], generation=2)
    previous = [
        {
            "dnsName": "shop\x1b[2J.example.com",
            "targets": ["192.0.2.1\x07"],
            "recordType": "A",
            "setIdentifier": "\x1b]0;x\x07",
            "labels": {"resource": "httproute/app/shop"},
        }
    ]
    (tmp_path / "previous.json").write_text(json.dumps(previous))
    for extra in ([], ["--explain"]):
        code, out, _ = run(
            ["endpoints", "-", "--previous", str(tmp_path / "previous.json"), *extra],
            stdin=json.dumps([gateway(), lagging]),
        )
        assert code == 0
        if extra:  # --explain says why the old endpoints are kept
            assert "held" in out
        assert "shop\\x1b[2J.example.com" in out
        assert_terminal_safe(out)


def test_errors_naming_hostile_values_are_escaped() -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "a\x1b[2J\nforged", "labels": {"x": 1}},
    }
    code, _, err = run(["endpoints", "-"], stdin=json.dumps(doc))
    assert code == 1
    [line] = err.splitlines()
    assert "Namespace a\\x1b[2J\\nforged: metadata.labels.x: expected a string" in line
    assert line.isprintable()


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        pytest.param(b"\xff\xfe\x00k\x00i\x00n\x00d", 0, id="utf-16"),
        pytest.param(
            "kind: Namespace\nmetadata: {name: café}\n".encode("latin-1"), 36, id="latin-1"
        ),
    ],
)
def test_non_utf8_files_and_stdin_exit_1(data: bytes, offset: int, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    byte = data[offset]
    code, out, err = run(["endpoints", str(path)])
    assert (code, out) == (1, "")
    assert (
        err == f"gatewaydns: error: {path}: not UTF-8 text (byte 0x{byte:02x} at offset {offset})\n"
    )
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    out_, err_ = io.StringIO(), io.StringIO()
    assert main(["endpoints", "-"], stdin=stdin, stdout=out_, stderr=err_) == 1
    assert err_.getvalue() == (
        f"gatewaydns: error: -: not UTF-8 text (byte 0x{byte:02x} at offset {offset})\n"
    )
    code, _, err = run(["endpoints", "-", "--previous", str(path)])
    assert code == 1
    assert err == (
        f"gatewaydns: error: --previous {path}: not UTF-8 text "
        f"(byte 0x{byte:02x} at offset {offset})\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '[{"dnsName": "a.example.com", "recordTTL": ' + "9" * 5000 + "}]",
            "[0].recordTTL: integer 99999999999999999999... (5000 digits) is outside",
            id="huge-int",
        ),
        pytest.param(
            '[{"dnsName": "a.example.com", "dnsName": "b.example.com"}]',
            "[0]: duplicate key 'dnsName'",
            id="duplicate-key",
        ),
        pytest.param(
            '[{"dnsName": "a\\ud800.example.com"}]',
            "[0].dnsName: the string has a lone surrogate (U+D800)",
            id="surrogate",
        ),
    ],
)
def test_hostile_previous_exits_1(text: str, message: str, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "previous.json"
    path.write_text(text)
    code, out, err = run(["endpoints", "-", "--previous", str(path)])
    assert (code, out) == (1, "")
    assert err.startswith(f"gatewaydns: error: --previous {path}: {message}")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        pytest.param(b"\xff\xfe garbage", b"-: not UTF-8 text (byte 0xff at offset 0)", id="bytes"),
        pytest.param(
            b'{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a\\ud800"}}',
            b"Namespace a\\ud800: metadata.name: the string has a lone surrogate",
            id="surrogate",
        ),
        pytest.param(
            b'{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", '
            b'"generation": ' + b"1" * 5000 + b"}}",
            b"metadata.generation: integer 11111111111111111111... (5000 digits) is outside",
            id="huge-int",
        ),
    ],
)
def test_hostile_stdin_in_a_real_process(stdin: bytes, message: bytes) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gatewaydns", "endpoints"],
        input=stdin,
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (1, b"")
    [line] = proc.stderr.splitlines()
    assert line.startswith(b"gatewaydns: error: ")
    assert message in line


def test_hostnames_over_253_characters_are_refused() -> None:
    long_name = ".".join(["a" * 63] * 3 + ["b" * 58]) + ".com"  # 254 characters
    ok_name = long_name[1:]  # 253
    doc = route("shop", hostnames=[long_name, ok_name])
    code, out, _ = run(["endpoints", "-", "--explain"], stdin=json.dumps([gateway(), doc]))
    assert code == 0
    assert f"invalid-hostname: hostname '{long_name}' is not a valid DNS name" in out
    assert f"    {ok_name} A 192.0.2.1" in out
    assert f"    {long_name} A" not in out
