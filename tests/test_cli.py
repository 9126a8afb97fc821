"""The gatewaydns command line: golden outputs for every example, errors, exit codes."""

from __future__ import annotations

import io
import json
import pathlib
import subprocess
import sys

import pytest

from gatewaydns._cli import main

from .helpers import ALL, accepted, gateway, listener, route

ROOT = pathlib.Path(__file__).parent.parent
GOLDEN = pathlib.Path(__file__).parent / "data" / "golden"
MOVE = "examples/parentref-move"
DUAL = "examples/wildcard-dualstack/cluster.yaml"

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
            "--label-selector: Value error, invalid label selector at position 7",
            id="bad-selector",
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
