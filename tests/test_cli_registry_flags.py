"""external-dns's target, registry and domain flags on the command line (issue 13)."""

from __future__ import annotations

import argparse
import base64
import io
import json
from typing import Any

import pytest

from gatewaydns import ConfigError, DomainFilter
from gatewaydns._cli import add_registry_flags, main, plan_options

from .external_dns import ENCRYPTION_KEY
from .helpers import gateway, route


def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser()
    add_registry_flags(out)
    return out


def options(*argv: str, environ: dict[str, str] | None = None) -> Any:
    if not any(a.startswith(("--owner-id", "--txt-owner-id")) for a in argv):
        argv = ("--owner-id=default", *argv)  # required (see below)
    return plan_options(parser().parse_args(list(argv)), environ or {})


def test_defaults_are_external_dns_defaults_but_the_owner_id_is_required() -> None:
    # external-dns defaults --txt-owner-id to "default"; two instances left at that default take
    # each other's records for their own, so gatewaydns asks for it (docs/ownership.md)
    with pytest.raises(SystemExit):
        plan_options(parser().parse_args([]), {})
    opts = options("--owner-id=default")
    assert opts.registry.owner_id == "default"
    assert (opts.registry.prefix, opts.registry.suffix) == ("", "")
    assert opts.policy == "sync"
    assert opts.domain_filter is None
    assert opts.managed_types == frozenset({"A", "AAAA", "CNAME"})
    assert opts.registry.encrypt_aes_key is None


def test_every_flag_reaches_the_plan_options(tmp_path: Any) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(ENCRYPTION_KEY + "\n")
    opts = options(
        "--txt-owner-id=cluster-a",
        "--txt-prefix=TXT-%{record_type}.",
        "--txt-wildcard-replacement=any",
        "--migrate-from-txt-owner=old-cluster",
        "--txt-encrypt-enabled",
        f"--txt-encrypt-aes-key-file={key_file}",
        "--domain-filter=example.com",
        "--domain-filter=.example.org",
        "--exclude-domains=internal.example.com",
        "--managed-record-types=A",
        "--managed-record-types=CNAME",
        "--exclude-record-types=CNAME",
        "--policy=upsert-only",
    )
    reg = opts.registry
    assert (reg.owner_id, reg.prefix, reg.wildcard_replacement) == (
        "cluster-a",
        "txt-%{record_type}.",
        "any",
    )
    assert reg.migrate_from_owner_id == "old-cluster"
    assert (reg.encrypt_aes_key, reg.encrypt_enabled) == (ENCRYPTION_KEY.encode(), True)
    assert opts.domain_filter == DomainFilter(
        ("example.com", ".example.org"), ("internal.example.com",)
    )
    assert opts.managed_types == frozenset({"A"})
    assert opts.policy == "upsert-only"


def test_regex_domain_flags() -> None:
    opts = options(r"--regex-domain-filter=\.example\.com$", "--regex-domain-exclusion=^internal")
    assert opts.domain_filter is not None
    assert opts.domain_filter.matches("www.example.com")
    assert not opts.domain_filter.matches("internal.example.com")
    only_exclusion = options("--regex-domain-exclusion=^internal")
    assert only_exclusion.domain_filter is not None
    assert not only_exclusion.domain_filter.matches("internal.example.com")
    with pytest.raises(ConfigError, match="not both"):
        options("--domain-filter=example.com", "--regex-domain-filter=x")


def test_the_key_comes_from_a_file_or_the_environment_never_the_command_line(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    key = base64.b64encode(b"k" * 32).decode()
    opts = options(environ={"EXTERNAL_DNS_TXT_ENCRYPT_AES_KEY": key})
    assert opts.registry.encrypt_aes_key == b"k" * 32
    assert opts.registry.encrypt_enabled is False  # a key alone only decrypts (external-dns)
    both = {
        "GATEWAYDNS_TXT_ENCRYPT_AES_KEY": ENCRYPTION_KEY,
        "EXTERNAL_DNS_TXT_ENCRYPT_AES_KEY": key,
    }
    assert options(environ=both).registry.encrypt_aes_key == ENCRYPTION_KEY.encode()
    key_file = tmp_path / "key"
    key_file.write_text(key)
    file_wins = options(f"--txt-encrypt-aes-key-file={key_file}", environ=both)
    assert file_wins.registry.encrypt_aes_key == b"k" * 32
    with pytest.raises(ConfigError, match="encrypt_enabled needs an encrypt_aes_key"):
        options("--txt-encrypt-enabled")
    with pytest.raises(SystemExit):
        parser().parse_args([f"--txt-encrypt-aes-key={ENCRYPTION_KEY}"])
    err = capsys.readouterr().err
    assert "use --txt-encrypt-aes-key-file FILE or the environment variable" in err
    assert ENCRYPTION_KEY not in err


def run(*argv: str, stdin: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_endpoints_with_target_filters_and_min_ttl() -> None:
    docs = [
        gateway(addresses=["10.1.1.1", "192.0.2.1"]),
        route("shop", hostnames=["shop.example.com"]),
    ]
    code, out, err = run(
        "endpoints",
        "-o",
        "json",
        "--target-net-filter=10.0.0.0/8",
        "--target-net-filter=2001:db8::/32",
        "--exclude-target-net=10.9.0.0/16",
        "--min-ttl=1m",
        stdin=json.dumps({"kind": "List", "apiVersion": "v1", "items": docs}),
    )
    assert (code, err) == (0, "")
    assert json.loads(out) == [
        {
            "dnsName": "shop.example.com",
            "targets": ["10.1.1.1"],
            "recordType": "A",
            "recordTTL": 60,
            "labels": {"resource": "httproute/app/shop"},
        }
    ]


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (
            "--target-net-filter=10.0.0.1",
            "--target-net-filter: Value error, '10.0.0.1' is not a network",
        ),
        ("--min-ttl=soon", "--min-ttl: Value error, 'soon' is not a TTL"),
    ],
)
def test_bad_filter_flags_are_input_errors(flag: str, message: str) -> None:
    code, out, err = run("endpoints", flag, stdin="[]")
    assert code == 1
    assert out == ""
    assert message in err
