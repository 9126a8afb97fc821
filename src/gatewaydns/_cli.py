"""The ``gatewaydns`` command line: what DNS would this cluster publish, and why not?

The only module that touches files, standard streams and the environment (``NO_COLOR``, the
providers' secrets).

``endpoints`` exit codes: 0 success; 1 invalid input or configuration (every problem listed, no
traceback); 2 usage error (argparse). ``plan``: 0 nothing to change, 2 changes pending, 1 any
error (usage errors included). ``sync``: 0 the zone now matches, 1 any error (including
deletions the deletion guard withheld).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, NoReturn, TextIO

from pydantic import ValidationError

from gatewaydns._compute import Result, compute_endpoints
from gatewaydns._config import SourceConfig
from gatewaydns._diagnostics import Diagnostic
from gatewaydns._domainfilter import DomainFilter
from gatewaydns._endpoint import Endpoint, endpoint_sort_key
from gatewaydns._errors import GatewayDNSError, ManifestError, ProviderError
from gatewaydns._hostile import Marks, find_hostile, loads_json, printable
from gatewaydns._optional import require
from gatewaydns._plan import (
    Changes,
    ChangeUnit,
    PlanOptions,
    ProviderCapabilities,
    owned_by_route,
    plan,
)
from gatewaydns._registry import TXTRegistry
from gatewaydns._routes import RouteKey
from gatewaydns._snapshot import Snapshot, format_loc
from gatewaydns._template import compile_fqdn_template
from gatewaydns._version import __version__
from gatewaydns.protocols import AdjustsEndpoints

__all__ = ["main"]

_BOOL_FLAGS = {
    "gateway_listener_sets": "listener_sets",
    "ignore_hostname_annotation": "ignore_hostname_annotation",
    "combine_fqdn_annotation": "combine_fqdn",
    "route_targets": "route_targets",
    "inherit_gateway_annotations": "inherit_gateway_annotations",
}
_VALUE_FLAGS = {
    "namespace": "namespace",
    "label_filter": "label_selector",
    "annotation_filter": "annotation_selector",
    "gateway_name": "gateway_name",
    "gateway_namespace": "gateway_namespace",
    "gateway_label_filter": "gateway_label_selector",
    "annotation_prefix": "annotation_prefix",
    "generation_policy": "generation_policy",
    "missing_observed_generation": "missing_observed_generation",
    "conflict_policy": "conflict_policy",
}

#: ``SourceConfig`` field -> the flag (its ``argparse`` dest) that sets it, where they differ.
_FIELD_FLAGS = {
    **{field: flag for flag, field in (_VALUE_FLAGS | _BOOL_FLAGS).items()},
    "listener_hostname_fallback": "no_listener_hostname_fallback",
    "hold_on_address_loss": "no_hold_on_address_loss",
}


#: What ends a command with exit code 1 and one message (:func:`_failure`), never a traceback.
_FAILURES = (OSError, ValidationError, GatewayDNSError, ImportError)


def _failure(stderr: TextIO, exc: Exception) -> int:
    """Report what ended a command: a file, the configuration (by flag) or the input; exit 1."""
    if isinstance(exc, OSError):
        _error(stderr, f"{exc.filename}: {exc.strerror}")
    elif isinstance(exc, ValidationError):
        lines = []
        for error in exc.errors():  # each problem under the flag the user typed
            field = str(error["loc"][0]) if error["loc"] else ""
            flag = "--" + _FIELD_FLAGS.get(field, field).replace("_", "-")
            lines.append(f"  {flag}: {error['msg']}")
        _error(stderr, "invalid configuration:\n" + "\n".join(lines))
    else:
        _error(stderr, str(exc))
    return 1


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with ``usage_exit`` (plan: 1, not 2)."""

    def __init__(self, *args: Any, usage_exit: int = 2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.usage_exit = usage_exit

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(self.usage_exit, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gatewaydns",
        description="Compute the DNS records Kubernetes Gateway API objects call for.",
    )
    parser.add_argument("--version", action="version", version=f"gatewaydns {__version__}")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    ep = sub.add_parser(
        "endpoints",
        help="print the endpoints of manifests (kubectl get ... -o yaml|json)",
        description="Print the DNS endpoints of Gateway API manifests.",
    )
    ep.add_argument("files", nargs="*", metavar="FILE", help="YAML or JSON manifests; - for stdin")
    ep.add_argument("-o", "--output", choices=("table", "json", "yaml"), default="table")
    ep.add_argument(
        "--explain",
        nargs="?",
        const="*",
        metavar="ROUTE",
        help="print each route's decision chain; ROUTE narrows it (ns/name or Kind/ns/name)",
    )
    _add_source_flags(ep)
    for name, what in (
        ("plan", "print what would change in the DNS zones (a dry run)"),
        ("sync", "change the DNS zones once, as plan shows"),
    ):
        cmd = sub.add_parser(
            name,
            help=what,
            description=f"{what[0].upper()}{what[1:]}: the manifests' endpoints against the "
            "records a provider holds, touching only records this owner ID owns.",
            usage_exit=1,
        )
        cmd.add_argument(
            "files", nargs="*", metavar="FILE", help="YAML or JSON manifests; - for stdin"
        )
        if name == "plan":
            cmd.add_argument("-o", "--output", choices=("table", "json"), default="table")
        _add_plan_flags(cmd)
        _add_provider_flags(cmd)
        _add_source_flags(cmd)
    _add_audit_parser(sub)
    return parser


def _add_source_flags(parser: argparse.ArgumentParser) -> None:
    """The flags that configure the computation (shared by every command)."""
    parser.add_argument("--previous", metavar="FILE", help="an earlier -o json output, for hold")
    src = parser.add_argument_group("sources (external-dns flag names)")
    src.add_argument("--namespace", help="only routes in this namespace")
    src.add_argument("--label-filter", help="only routes whose labels match this selector")
    src.add_argument("--annotation-filter", help="only routes whose annotations match")
    src.add_argument("--gateway-name", help="only parents whose Gateway has this name")
    src.add_argument("--gateway-namespace", help="only Gateways in this namespace")
    src.add_argument("--gateway-label-filter", help="only Gateways whose labels match")
    src.add_argument("--gateway-listener-sets", action="store_true", help="attach via ListenerSets")
    src.add_argument("--ignore-hostname-annotation", action="store_true")
    src.add_argument("--fqdn-template", help="e.g. '{name}.{namespace}.example.com' (docs/cli.md)")
    src.add_argument("--combine-fqdn-annotation", action="store_true")
    src.add_argument("--annotation-prefix", help="default external-dns.kubernetes.io/")
    add_source_filter_flags(src)
    ours = parser.add_argument_group("gatewaydns")
    ours.add_argument("--generation-policy", choices=("strict", "latest", "off"))
    ours.add_argument("--missing-observed-generation", choices=("trust", "reject"))
    ours.add_argument("--conflict-policy", choices=("report", "oldest-wins"))
    ours.add_argument("--route-targets", action="store_true", help="honour target on routes")
    ours.add_argument("--inherit-gateway-annotations", action="store_true")
    ours.add_argument("--no-listener-hostname-fallback", action="store_true")
    ours.add_argument(
        "--no-hold-on-address-loss",
        action="store_true",
        help="with --previous: let records go while a Gateway reports no address",
    )


def _config(args: argparse.Namespace) -> SourceConfig:
    values: dict[str, Any] = {}
    for flag, field in _VALUE_FLAGS.items():
        if getattr(args, flag) is not None:
            values[field] = getattr(args, flag)
    for flag, field in _BOOL_FLAGS.items():
        if getattr(args, flag):
            values[field] = True
    if args.no_listener_hostname_fallback:
        values["listener_hostname_fallback"] = False
    if args.no_hold_on_address_loss:
        values["hold_on_address_loss"] = False
    if args.fqdn_template is not None:
        values["fqdn_template"] = compile_fqdn_template(args.fqdn_template)
    values.update(source_filter_values(args))
    return SourceConfig(**values)


# --- external-dns's target, registry and domain flags (issue 13) -------------------------------
#: Where the AES key is read from without ``--txt-encrypt-aes-key-file``, in this order (the
#: second is external-dns's own variable for ``--txt-encrypt-aes-key``).
AES_KEY_ENV = ("GATEWAYDNS_TXT_ENCRYPT_AES_KEY", "EXTERNAL_DNS_TXT_ENCRYPT_AES_KEY")


class _RefuseAESKey(argparse.Action):
    """``--txt-encrypt-aes-key``: a secret is never taken from the command line."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any, **__: Any) -> None:
        parser.error(
            "--txt-encrypt-aes-key: secrets are not taken from the command line (process lists "
            "and shell history show it); use --txt-encrypt-aes-key-file FILE or the environment "
            f"variable {AES_KEY_ENV[0]} (or {AES_KEY_ENV[1]})"
        )


def add_source_filter_flags(group: Any) -> None:
    """Add ``--target-net-filter``, ``--exclude-target-net`` and ``--min-ttl`` to ``group``."""
    group.add_argument(
        "--target-net-filter",
        action="append",
        metavar="CIDR",
        help="keep only targets in this network; repeat for more",
    )
    group.add_argument(
        "--exclude-target-net",
        action="append",
        metavar="CIDR",
        help="drop targets in this network; repeat for more",
    )
    group.add_argument(
        "--min-ttl", metavar="DURATION", help="TTL of records without one (72, 72s, 1m12s)"
    )


def source_filter_values(args: argparse.Namespace) -> dict[str, Any]:
    """The ``SourceConfig`` fields of :func:`add_source_filter_flags`' flags that were given."""
    values: dict[str, Any] = {}
    if args.target_net_filter:
        values["target_net_filter"] = tuple(args.target_net_filter)
    if args.exclude_target_net:
        values["exclude_target_net"] = tuple(args.exclude_target_net)
    if args.min_ttl is not None:
        values["min_ttl"] = args.min_ttl
    return values


def add_registry_flags(parser: argparse.ArgumentParser, *, owner_required: bool = True) -> None:
    """Add external-dns's registry, domain-filter and record-type flags (for plan and sync).

    :func:`plan_options` turns them into :class:`~gatewaydns.PlanOptions`. The owner ID is
    required unless ``owner_required`` is false: external-dns defaults it to ``default``, and
    two instances sharing an owner ID take each other's records for their own.
    """
    reg = parser.add_argument_group("TXT registry (external-dns flag names)")
    reg.add_argument(
        "--txt-owner-id",
        "--owner-id",
        dest="txt_owner_id",
        required=owner_required,
        default=None,
        metavar="OWNER_ID",
        help="this instance's owner ID (never shared by two controllers)",
    )
    reg.add_argument("--txt-prefix", default="", help="may hold %%{record_type}")
    reg.add_argument("--txt-suffix", default="", help="may hold %%{record_type}")
    reg.add_argument("--txt-wildcard-replacement", default="")
    reg.add_argument("--txt-encrypt-enabled", action="store_true", help="write encrypted values")
    reg.add_argument(
        "--txt-encrypt-aes-key-file",
        metavar="FILE",
        help=f"a file holding the AES key (32 bytes, or their base64; default: ${AES_KEY_ENV[0]}"
        f" or ${AES_KEY_ENV[1]}); needs gatewaydns[encryption]",
    )
    reg.add_argument(
        "--txt-encrypt-aes-key", nargs="?", action=_RefuseAESKey, help=argparse.SUPPRESS
    )
    reg.add_argument("--migrate-from-txt-owner", default="", metavar="OWNER_ID")
    dom = parser.add_argument_group("domains and record types (external-dns flag names)")
    dom.add_argument("--domain-filter", action="append", default=[], metavar="DOMAIN")
    dom.add_argument("--exclude-domains", action="append", default=[], metavar="DOMAIN")
    dom.add_argument("--regex-domain-filter", default="", metavar="REGEX")
    dom.add_argument("--regex-domain-exclusion", default="", metavar="REGEX")
    dom.add_argument("--managed-record-types", action="append", metavar="TYPE")
    dom.add_argument("--exclude-record-types", action="append", default=[], metavar="TYPE")
    dom.add_argument("--policy", choices=("sync", "upsert-only", "create-only"), default="sync")


def plan_options(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> PlanOptions:
    """The :class:`~gatewaydns.PlanOptions` of :func:`add_registry_flags`' flags.

    Args:
        args: the parsed arguments.
        environ: where the key's environment variables are looked up (default ``os.environ``).

    Raises:
        ConfigError: an invalid owner ID, key, domain filter or combination of flags.
        OSError: the key file cannot be read.
        ImportError: a key is given but the ``encryption`` extra is not installed.
    """
    env = os.environ if environ is None else environ
    key: bytes | str | None = None
    if args.txt_encrypt_aes_key_file is not None:
        with open(args.txt_encrypt_aes_key_file, "rb") as f:
            key = f.read().rstrip(b"\r\n")  # a trailing newline is not part of the key
    else:
        key = next((env[name] for name in AES_KEY_ENV if env.get(name)), None)
    registry = TXTRegistry(
        args.txt_owner_id,
        prefix=args.txt_prefix,
        suffix=args.txt_suffix,
        wildcard_replacement=args.txt_wildcard_replacement,
        migrate_from_owner_id=args.migrate_from_txt_owner,
        encrypt_aes_key=key,
        # as external-dns: a key alone decrypts; --txt-encrypt-enabled also encrypts
        encrypt_enabled=args.txt_encrypt_enabled,
    )
    filters = (
        tuple(args.domain_filter),
        tuple(args.exclude_domains),
        args.regex_domain_filter,
        args.regex_domain_exclusion,
    )
    flt = DomainFilter(*filters) if any(filters) else None
    return PlanOptions(
        registry,
        policy=args.policy,
        domain_filter=flt,
        managed_record_types=tuple(args.managed_record_types or ("A", "AAAA", "CNAME")),
        exclude_record_types=tuple(args.exclude_record_types),
    )


def _read(path: str, stdin: TextIO) -> str:
    """A file's (or standard input's) text; bytes that are not UTF-8 are an input error."""
    if path == "-":
        raw = getattr(stdin, "buffer", None)
        if raw is None:  # a text stream without bytes underneath (tests, embedding)
            try:
                return stdin.read()
            except UnicodeDecodeError as exc:
                raise _InputError(_not_utf8(path, exc)) from None
        data = raw.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    try:
        return str(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _InputError(_not_utf8(path, exc)) from None


def _not_utf8(path: str, exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start] if exc.start < len(exc.object) else 0
    return f"{path}: not UTF-8 text (byte 0x{byte:02x} at offset {exc.start})"


def _load(files: Sequence[str], stdin: TextIO) -> Snapshot:
    texts = [(path, _read(path, stdin)) for path in (files or ["-"])]
    problems: list[str] = []
    objects: list[Any] = []
    for path, text in texts:
        try:
            snap = Snapshot.from_manifests(text)
        except ManifestError as exc:
            problems.extend(f"{path}: {p}" for p in exc.problems)
            continue
        objects.extend([*snap.gateways, *snap.listener_sets, *snap.routes, *snap.namespaces])
    if len(problems) == 1:
        raise _InputError(f"invalid manifest: {problems[0]}")
    if problems:
        raise _InputError("invalid manifests:\n" + "\n".join(f"  {p}" for p in problems))
    return Snapshot.from_objects(objects)


def _previous(path: str | None) -> dict[str, tuple[Endpoint, ...]] | None:
    if path is None:
        return None
    marks = Marks()
    with open(path, "rb") as f:
        raw = f.read()
    try:
        data = loads_json(raw.decode("utf-8-sig"), marks)
    except UnicodeDecodeError as exc:
        raise _InputError(f"--previous {_not_utf8(path, exc)}") from None
    except json.JSONDecodeError as exc:
        msg = f"--previous {path}: invalid JSON: {exc}"
        raise _InputError(msg) from None
    except RecursionError:
        raise _InputError(f"--previous {path}: invalid JSON: nested too deeply") from None
    for loc, problem in find_hostile(data):
        where = format_loc(loc) or "the document"
        raise _InputError(f"--previous {path}: {where}: {problem}")
    items = data.get("endpoints") if isinstance(data, dict) else data
    if not isinstance(items, list):
        msg = f"--previous {path}: expected a JSON array of endpoints (gatewaydns -o json)"
        raise _InputError(msg)
    by_route: dict[str, list[Endpoint]] = {}
    for i, item in enumerate(items):
        try:
            ep = Endpoint.model_validate(item)
        except ValidationError as exc:
            msg = f"--previous {path}: endpoint [{i}]: {exc.errors()[0]['msg']}"
            raise _InputError(msg) from None
        resource = ep.labels.get("resource")
        if resource:
            by_route.setdefault(resource, []).append(ep)
    return {k: tuple(v) for k, v in by_route.items()}


class _InputError(GatewayDNSError):
    pass


class _Style:
    """Colour for a terminal; the text is escaped (it may come from the input)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        text = printable(text)
        return f"\033[{code}m{text}\033[0m" if self.enabled else text


#: Everything printed for people goes through this: every character that is not printable
#: (ESC, OSC, BEL, newlines inside values, bidirectional overrides, ...) is shown escaped, so a
#: manifest value can neither drive the terminal nor forge output lines.
_p = printable


def _routes_of(result: Result, ep: Endpoint) -> list[str]:
    return sorted(
        key
        for key, eps in result.by_route.items()
        if any(
            e.dns_name == ep.dns_name
            and e.record_type == ep.record_type
            and e.set_identifier == ep.set_identifier
            and set(e.targets) & set(ep.targets)
            for e in eps
        )
    )


def _table(result: Result, style: _Style) -> str:
    header = ("NAME", "TYPE", "TARGETS", "TTL", "SET-ID", "ROUTES")
    rows = [
        tuple(
            map(
                _p,
                (
                    ep.dns_name,
                    ep.record_type,
                    ",".join(ep.targets),
                    str(ep.record_ttl) if ep.record_ttl else "",
                    ep.set_identifier,
                    ",".join(_routes_of(result, ep)),
                ),
            )
        )
        for ep in result.endpoints
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [style(line(header), "1"), *(line(r) for r in rows)]
    if not rows:
        out.append("(no endpoints)")
    return "\n".join(out) + "\n"


def _matches_route(route: RouteKey, selector: str) -> bool:
    """Whether ``--explain``'s selector (``*``, ``kind/ns/name``, ``ns/name``, name) picks it."""
    if selector == "*":
        return True
    parts = selector.split("/")
    if len(parts) == 3:
        wanted = RouteKey.parse(selector)
        return wanted is not None and str(route) == str(wanted)
    if len(parts) == 2:
        return (route.namespace, route.name) == (parts[0], parts[1])
    return route.name == selector


_SEVERITY_COLOUR = {"info": "2", "warning": "33", "error": "31"}


def _explain(snapshot: Snapshot, result: Result, selector: str, style: _Style) -> str:
    out: list[str] = []
    for route in sorted(snapshot.routes, key=lambda r: (r.kind, r.namespace, r.name)):
        if not _matches_route(route.key, selector):
            continue
        diags = result.for_route(route.resource)
        gen = route.metadata.generation
        out.append(
            style(f"{route.kind} {route.namespace}/{route.name}", "1")
            + (f"  (generation {gen})" if gen is not None else "")
        )
        general = [d for d in diags if d.parent is None]
        by_parent: dict[str, list[Diagnostic]] = {}
        for d in diags:
            if d.parent is not None:
                by_parent.setdefault(d.parent, []).append(d)
        for d in general:
            out.append(f"  {style(d.reason, _SEVERITY_COLOUR[d.severity])}: {_p(d.message)}")
        for entry in route.parent_statuses:
            label = entry.parent_ref.label(route.namespace)
            cond = entry.condition("Accepted")
            observed = cond.observed_generation if cond else None
            own = by_parent.pop(label, [])
            blocking = [
                d
                for d in own
                if d.listener is None and d.reason not in ("missing-observed-generation", "held")
            ]
            address_held = any(d.reason == "held" for d in own)
            verdict = style("skipped", "33") if blocking else style("accepted", "32")
            if any(d.reason == "parent-not-in-spec" for d in blocking) and any(
                spec.identity(route.namespace) == entry.parent_ref.identity(route.namespace)
                for spec in route.parent_refs
            ):  # the route still names this parent, but not this listener (SPEC 4.1)
                verdict = style("dropped as a stale listener entry", "33")
            obs = f", observedGeneration {observed}" if observed is not None else ""
            out.append(f"  parent {_p(label)}: {verdict}{obs}")
            held = any(d.reason == "held" and d.parent is None for d in diags)
            for att in result.attachments:
                if att.route != route.resource or att.parent != label:
                    continue
                produced = [
                    f"{ep.record_type} {','.join(ep.targets)}"
                    for ep in result.by_route.get(route.resource, ())
                    if ep.dns_name == att.hostname and not held
                ]
                shown = "; ".join(produced) if produced else "no records"
                if address_held and produced:
                    shown = f"held: {shown}"
                out.append(
                    f"    listener {_p(att.listener)}: {style('matched', '32')} "
                    f"{_p(att.hostname)} -> {_p(shown)}"
                )
            for d in own:
                where = f"listener {_p(d.listener)}: " if d.listener else ""
                host = f" [{_p(d.hostname)}]" if d.hostname else ""
                reason = style(d.reason, _SEVERITY_COLOUR[d.severity])
                out.append(f"    {where}{reason}: {_p(d.message)}{host}")
        for label, rest in by_parent.items():
            for d in rest:
                reason = style(d.reason, _SEVERITY_COLOUR[d.severity])
                out.append(f"  {_p(label)}: {reason}: {_p(d.message)}")
        eps = result.by_route.get(route.resource, ())
        if eps:
            out.append("  endpoints:")
            for ep in sorted(eps, key=endpoint_sort_key):
                extra = f" ttl={ep.record_ttl}" if ep.record_ttl else ""
                extra += f" set={ep.set_identifier}" if ep.set_identifier else ""
                out.append(_p(f"    {ep.dns_name} {ep.record_type} {','.join(ep.targets)}{extra}"))
        else:
            out.append("  endpoints: none")
    if not out:
        out.append(_p(f"no route matches {selector!r}"))
    return "\n".join(out) + "\n"


def _structured(result: Result, explain: str | None) -> Any:
    endpoints = [ep.to_json() for ep in result.endpoints]
    if explain is None:
        return endpoints
    diags = [
        d.model_dump(mode="json", exclude_none=True)
        for d in result.diagnostics
        if _matches_route(RouteKey(d.kind, d.namespace, d.name), explain)
    ]
    return {"endpoints": endpoints, "diagnostics": diags}


def _error(stderr: TextIO, message: str) -> None:
    """Write an error: every line escaped (file names and manifest values included)."""
    lines = message.split("\n")
    stderr.write("gatewaydns: error: " + "\n".join(map(printable, lines)) + "\n")


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line; returns the exit code.

    Args:
        argv: the arguments (default ``sys.argv[1:]``).
        stdin: input stream for ``-`` (default ``sys.stdin``).
        stdout: output stream (default ``sys.stdout``).
        stderr: error stream (default ``sys.stderr``).
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = _parser().parse_args(argv)
    colour = stdout.isatty() and not os.environ.get("NO_COLOR")
    style = _Style(colour)
    if args.command in ("plan", "sync"):
        return _run_plan(args, stdin, stdout, stderr, style)
    if args.command == "audit":
        return _run_audit(args, stdin, stdout, stderr, style)
    try:
        config = _config(args)
        snapshot = _load(args.files, stdin)
        result = compute_endpoints(snapshot, config, _previous(args.previous))
    except _FAILURES as exc:
        return _failure(stderr, exc)
    if args.output == "table":
        if args.explain is not None:
            stdout.write(_explain(snapshot, result, args.explain, style))
        else:
            stdout.write(_table(result, style))
    elif args.output == "json":
        stdout.write(json.dumps(_structured(result, args.explain), indent=2) + "\n")
    else:
        try:
            yaml = require("yaml", "-o yaml needs PyYAML", "yaml")
        except ImportError as exc:
            _error(stderr, str(exc))
            return 1
        stdout.write(yaml.safe_dump(_structured(result, args.explain), sort_keys=False))
    return 0


# --- plan and sync ------------------------------------------------------------------------------
#: Secrets never come from the command line (``ps`` and shell history show it): file or env.
_SECRETS = {
    "--rfc2136-tsig-secret": ("--rfc2136-tsig-secret-file", "GATEWAYDNS_RFC2136_TSIG_SECRET"),
    "--pdns-api-key": ("--pdns-api-key-file", "GATEWAYDNS_PDNS_API_KEY"),
}


class _RefuseSecret(argparse.Action):
    """A secret flag that external-dns has and gatewaydns refuses, saying what to use instead."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any, **__: Any) -> None:
        file_flag, env = _SECRETS[self.option_strings[0]]
        parser.error(
            f"{self.option_strings[0]}: secrets are not taken from the command line (process "
            f"lists and shell history show it); use {file_flag} FILE or the environment "
            f"variable {env}"
        )


def _add_plan_flags(parser: argparse.ArgumentParser) -> None:
    """The flags of ``plan`` and ``sync`` that shape the plan: the registry's, and ``--force``."""
    add_registry_flags(parser)
    parser.add_argument(
        "--force", action="store_true", help="delete even when the deletion guard objects"
    )


def _add_provider_flags(parser: argparse.ArgumentParser) -> None:
    """The provider flags of ``plan`` and ``sync`` (external-dns names where they exist)."""
    parser.add_argument("--provider", required=True, choices=("rfc2136", "powerdns", "webhook"))
    rfc = parser.add_argument_group("--provider rfc2136")
    rfc.add_argument("--rfc2136-host", metavar="IP", help="the primary server's address")
    rfc.add_argument("--rfc2136-port", type=int, default=53, metavar="PORT")
    rfc.add_argument("--rfc2136-zone", action="append", metavar="ZONE", help="repeatable")
    rfc.add_argument("--rfc2136-tsig-keyname", metavar="NAME", help="TSIG key name")
    rfc.add_argument("--rfc2136-tsig-secret-alg", default="hmac-sha256", metavar="ALG")
    rfc.add_argument(
        "--rfc2136-tsig-secret-file",
        metavar="FILE",
        help="the TSIG secret (or env GATEWAYDNS_RFC2136_TSIG_SECRET)",
    )
    rfc.add_argument(
        "--rfc2136-tsig-secret", nargs="?", action=_RefuseSecret, help=argparse.SUPPRESS
    )
    rfc.add_argument("--rfc2136-timeout", type=float, default=5.0, metavar="SECONDS")
    pdns = parser.add_argument_group("--provider powerdns")
    pdns.add_argument("--pdns-server", metavar="URL", help="the API, e.g. http://127.0.0.1:8081")
    pdns.add_argument("--pdns-server-id", default="localhost", metavar="ID")
    pdns.add_argument("--pdns-zone", action="append", metavar="ZONE", help="repeatable")
    pdns.add_argument(
        "--pdns-api-key-file", metavar="FILE", help="the API key (or env GATEWAYDNS_PDNS_API_KEY)"
    )
    pdns.add_argument("--pdns-api-key", nargs="?", action=_RefuseSecret, help=argparse.SUPPRESS)
    pdns.add_argument("--pdns-timeout", type=float, default=10.0, metavar="SECONDS")
    hook = parser.add_argument_group("--provider webhook")
    hook.add_argument("--webhook-provider-url", default="http://localhost:8888", metavar="URL")
    hook.add_argument("--webhook-provider-timeout", type=float, default=10.0, metavar="SECONDS")


def _secret(path: str | None, env: str, what: str) -> str | None:
    """A secret from a file (its text, stripped) or the environment; ``None`` when neither."""
    if path is not None:
        try:
            with open(path, encoding="utf-8") as f:
                value = f.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            msg = f"{what} {path}: cannot read it ({getattr(exc, 'strerror', None) or exc})"
            raise _InputError(msg) from None
        if not value:
            raise _InputError(f"{what} {path}: the file is empty")
        return value
    value = os.environ.get(env, "").strip()
    return value or None


def _provider(args: argparse.Namespace) -> Any:
    """The provider the flags describe (adapters are imported only when chosen)."""
    if args.provider == "rfc2136":
        from gatewaydns.adapters.rfc2136 import RFC2136Provider, TSIGKey  # noqa: PLC0415

        if not args.rfc2136_host or not args.rfc2136_zone:
            raise _InputError("--provider rfc2136 needs --rfc2136-host and --rfc2136-zone")
        secret = _secret(
            args.rfc2136_tsig_secret_file,
            "GATEWAYDNS_RFC2136_TSIG_SECRET",
            "--rfc2136-tsig-secret-file",
        )
        key = None
        if args.rfc2136_tsig_keyname:
            if secret is None:
                raise _InputError(
                    "--rfc2136-tsig-keyname needs its secret: --rfc2136-tsig-secret-file FILE "
                    "or the environment variable GATEWAYDNS_RFC2136_TSIG_SECRET"
                )
            key = TSIGKey(args.rfc2136_tsig_keyname, secret, args.rfc2136_tsig_secret_alg)
        elif args.rfc2136_tsig_secret_file:
            raise _InputError("--rfc2136-tsig-secret-file needs --rfc2136-tsig-keyname")
        return RFC2136Provider(
            args.rfc2136_host,
            args.rfc2136_zone,
            key=key,
            port=args.rfc2136_port,
            timeout=args.rfc2136_timeout,
        )
    if args.provider == "powerdns":
        from gatewaydns.adapters.powerdns import PowerDNSProvider  # noqa: PLC0415

        if not args.pdns_server or not args.pdns_zone:
            raise _InputError("--provider powerdns needs --pdns-server and --pdns-zone")
        api_key = _secret(args.pdns_api_key_file, "GATEWAYDNS_PDNS_API_KEY", "--pdns-api-key-file")
        if api_key is None:
            raise _InputError(
                "--provider powerdns needs the API key: --pdns-api-key-file FILE or the "
                "environment variable GATEWAYDNS_PDNS_API_KEY"
            )
        return PowerDNSProvider(
            args.pdns_server,
            args.pdns_zone,
            api_key=api_key,
            server_id=args.pdns_server_id,
            timeout=args.pdns_timeout,
        )
    from gatewaydns.adapters.webhook import WebhookProvider  # noqa: PLC0415

    return WebhookProvider(args.webhook_provider_url, timeout=args.webhook_provider_timeout)


def _plan_options(args: argparse.Namespace) -> PlanOptions:
    """How to plan: the registry and filter flags, and ``--force``."""
    return replace(plan_options(args), force=args.force)


def _plan_rows(changes: Changes, withheld: Sequence[ChangeUnit]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []

    def row(action: str, ep: Endpoint, targets: str) -> None:
        ttl = str(ep.record_ttl) if ep.record_ttl else ""
        rows.append((action, ep.dns_name, ep.record_type, ttl, targets))

    for unit in changes.units:
        for ep in unit.delete:
            row("delete", ep, ",".join(ep.targets))
        for old, new in zip(unit.update_old, unit.update_new, strict=True):
            row("update", new, f"{','.join(old.targets)} -> {','.join(new.targets)}")
        for ep in unit.create:
            row("create", ep, ",".join(ep.targets))
    for unit in withheld:
        for ep in unit.delete:
            row("withheld", ep, ",".join(ep.targets))
    return rows


def _plan_table(changes: Changes, style: _Style) -> str:
    rows = [tuple(map(_p, r)) for r in _plan_rows(changes, changes.withheld)]
    out: list[str] = []
    if rows:
        header = ("ACTION", "NAME", "TYPE", "TTL", "TARGETS")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        out += [style(line(header), "1"), *(line(r) for r in rows)]
    counts = {a: sum(1 for r in rows if r[0] == a) for a in ("create", "update", "delete")}
    if changes.is_empty() and not changes.withheld:
        out.append("No changes: the zones hold what the manifests call for.")
    else:
        out.append(
            f"Plan: {counts['create']} to create, {counts['update']} to update, "
            f"{counts['delete']} to delete (ownership TXT records included)."
        )
    if changes.withheld:
        held = sum(len(u.delete) for u in changes.withheld)
        out.append(f"Withheld by the deletion guard: {held} deletions (--force deletes them).")
    if changes.diagnostics:
        out.append("Left alone:")
        for d in changes.diagnostics:
            who = f"{d.kind} {d.namespace}/{d.name}: " if d.name else ""
            reason = style(d.reason, _SEVERITY_COLOUR[d.severity])
            out.append(f"  {reason}: {_p(who + d.message)}")
    return "\n".join(out) + "\n"


def _plan_json(changes: Changes) -> dict[str, Any]:
    return {
        "changes": changes.to_json(),
        "withheld": Changes(units=changes.withheld).to_json(),
        "diagnostics": [d.model_dump(mode="json", exclude_none=True) for d in changes.diagnostics],
    }


def _run_plan(
    args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO, style: _Style
) -> int:
    """``gatewaydns plan`` and ``gatewaydns sync``."""
    try:
        config = _config(args)
        options = _plan_options(args)
        snapshot = _load(args.files, stdin)
        previous = _previous(args.previous)
        provider = _provider(args)
        if options.domain_filter is None and provider.zones:  # never outside the zones
            options = replace(options, domain_filter=DomainFilter(tuple(provider.zones)))
        records = provider.records()
        if previous is None:  # hold what the zone says we published, as a controller's first
            previous = dict(owned_by_route(records, options))  # round does (SPEC 9)
        result = compute_endpoints(snapshot, config, previous)
        desired = list(result.endpoints)
        if isinstance(provider, AdjustsEndpoints):
            desired = list(provider.adjust_endpoints(desired))
        caps = getattr(provider, "capabilities", None)
        changes = plan(
            desired,
            records,
            options,
            zones=provider.zones,
            capabilities=caps if isinstance(caps, ProviderCapabilities) else None,
        )
    except _FAILURES as exc:
        return _failure(stderr, exc)
    if args.command == "plan":
        if args.output == "json":
            stdout.write(json.dumps(_plan_json(changes), indent=2) + "\n")
        else:
            stdout.write(_plan_table(changes, style))
        return 0 if changes.is_empty() and not changes.withheld else 2
    stdout.write(_plan_table(changes, style))
    if not changes.is_empty():
        try:
            provider.apply_changes(changes)
        except ProviderError as exc:
            again = " (temporary: run sync again)" if exc.retryable else ""
            _error(stderr, f"{exc}{again}")
            return 1
        stdout.write(f"Applied {len(changes.units)} change unit(s).\n")
    if changes.withheld:
        _error(
            stderr,
            "the deletion guard withheld deletions (the rest was applied); check the "
            "manifests, then run sync --force to delete them",
        )
        return 1
    return 0


# --- audit --------------------------------------------------------------------------------------
def _add_audit_parser(sub: Any) -> None:
    """``gatewaydns audit``: its own flags, the provider and plan flags, the source flags."""
    cmd = sub.add_parser(
        "audit",
        help="compare what DNS holds with what the manifests call for, and say why they differ",
        description="Compare what DNS holds with what the manifests call for: stale-gateway "
        "records (a route's old Gateway still answering), unexpected targets, missing records "
        "and, with --provider, orphaned records and ownership problems. Exit codes: 0 DNS "
        "matches, 3 findings, 1 error.",
        usage_exit=1,
    )
    cmd.add_argument("files", nargs="*", metavar="FILE", help="YAML or JSON manifests; - for stdin")
    cmd.add_argument("-o", "--output", choices=("table", "json", "prometheus"), default="table")
    cmd.add_argument("--explain", action="store_true", help="add each finding's decision chain")
    ns = cmd.add_argument_group("--nameserver (plain queries: A, AAAA, CNAME; no credentials)")
    ns.add_argument(
        "--nameserver",
        action="append",
        metavar="IP[:PORT]",
        help="a server to ask ([IPv6]:PORT for IPv6 with a port); repeat to check several",
    )
    ns.add_argument("--nameserver-timeout", type=float, default=2.0, metavar="SECONDS")
    ns.add_argument("--nameserver-tries", type=int, default=2, metavar="N")
    ns.add_argument("--nameserver-concurrency", type=int, default=8, metavar="N")
    _add_plan_flags(cmd)
    _add_provider_flags(cmd)
    _add_source_flags(cmd)
    for action in cmd._actions:  # one of --nameserver and --provider; planning flags unused
        if action.dest in ("provider", "txt_owner_id"):
            action.required = False
            action.help = (action.help or "") + (
                " (needed with --provider)" if action.dest == "txt_owner_id" else ""
            )
        elif action.dest in ("policy", "force"):
            action.help = argparse.SUPPRESS


def _run_audit(
    args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO, style: _Style
) -> int:
    """``gatewaydns audit``: 0 DNS matches, 3 findings, 1 any error."""
    from gatewaydns._audit import compare, merge_audits  # noqa: PLC0415 - audit only
    from gatewaydns._links import expect  # noqa: PLC0415
    from gatewaydns._plan import owned_by_route  # noqa: PLC0415

    try:
        if args.nameserver and args.provider:
            msg = "audit reads DNS one way: --nameserver or --provider, not both"
            raise _InputError(msg)
        if not args.nameserver and not args.provider:
            msg = (
                "audit needs --nameserver IP[:PORT] (plain queries, any server) or --provider "
                "rfc2136|powerdns|webhook (the whole zone, with ownership)"
            )
            raise _InputError(msg)
        config = _config(args)
        snapshot = _load(args.files, stdin)
        previous = _previous(args.previous)
        if args.provider:
            if not args.txt_owner_id:
                msg = (
                    "--provider needs --owner-id: the TXT owner ID whose records are audited "
                    "(external-dns --txt-owner-id)"
                )
                raise _InputError(msg)
            options = _plan_options(args)
            provider = _provider(args)
            if options.domain_filter is None and provider.zones:  # never outside the zones
                options = replace(options, domain_filter=DomainFilter(tuple(provider.zones)))
            records = list(provider.records())
            if previous is None:  # what the controller holds on its first round (SPEC 9)
                previous = dict(owned_by_route(records, options))
            result = compute_endpoints(snapshot, config, previous)
            expected = expect(snapshot, config, result)
            flt = options.domain_filter or DomainFilter()
            outside = sorted({n for n, _ in expected.desired if not flt.matches(n)})
            if outside:
                shown = ", ".join(outside[:5]) + (", ..." if len(outside) > 5 else "")
                stderr.write(
                    _p(
                        f"gatewaydns: warning: {len(outside)} name(s) the cluster calls for are "
                        f"outside the provider's zones and were not audited: {shown}"
                    )
                    + "\n"
                )
            audit = compare(expected, records, source=f"provider {args.provider}", options=options)
        else:
            servers = _nameservers(args)
            result = compute_endpoints(snapshot, config, previous)
            expected = expect(snapshot, config, result)
            audit = merge_audits(
                [
                    compare(expected, ns.records(expected.names), source=f"nameserver {ns.label}")
                    for ns in servers
                ]
            )
    except _FAILURES as exc:
        return _failure(stderr, exc)
    if args.output == "json":
        findings = [f.to_json(explain=args.explain) for f in audit.findings]
        stdout.write(json.dumps(findings, indent=2) + "\n")
    elif args.output == "prometheus":
        from gatewaydns._prometheus import prometheus_text  # noqa: PLC0415

        stdout.write(prometheus_text(audit))
    else:
        stdout.write(_audit_table(audit, style, explain=args.explain))
    return 3 if audit.findings else 0


def _nameservers(args: argparse.Namespace) -> list[Any]:
    """The --nameserver servers, each once, in the order given."""
    from gatewaydns.adapters.nameserver import Nameserver, parse_nameserver  # noqa: PLC0415

    servers: dict[tuple[str, int], Any] = {}
    for text in args.nameserver:
        host, port = parse_nameserver(text)
        servers.setdefault(
            (host, port),
            Nameserver(
                host,
                port,
                timeout=args.nameserver_timeout,
                tries=args.nameserver_tries,
                concurrency=args.nameserver_concurrency,
            ),
        )
    return list(servers.values())


def _audit_table(audit: Any, style: _Style, *, explain: bool) -> str:
    """Findings as a table (or, with ``explain``, one block each), then a summary line."""
    out: list[str] = []
    if explain:
        for f in audit.findings:
            head = f"{f.kind} {f.name} {f.record_type} {','.join(f.targets)}"
            out.append(style(head, "1"))
            out.append(f"  {_p(f.message)}")
            out.extend(_p(f"  {line}") for line in f.explain_lines())
    elif audit.findings:
        header = ("KIND", "NAME", "TYPE", "TARGETS", "ROUTE", "GATEWAY")
        rows = [
            tuple(
                map(
                    _p,
                    (f.kind, f.name, f.record_type, ",".join(f.targets), f.route_key, f.gateway),
                )
            )
            for f in audit.findings
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        out += [style(line(header), "1"), *(line(r) for r in rows)]
    where = ", ".join(audit.sources)
    checked = f"{audit.checked} record set(s) checked ({where})"
    if audit.findings:
        counts = ", ".join(f"{n} {kind}" for kind, n in audit.counts().items() if n)
        out.append(style(f"{len(audit.findings)} finding(s): {counts}; {checked}.", "33"))
    elif audit.checked:
        held = (
            f" ({audit.held} with records that hold keeps while their routes' status lags)"
            if audit.held
            else ""
        )
        out.append(style(f"DNS matches: {checked} hold what the manifests call for{held}.", "32"))
    else:
        out.append(f"Nothing to compare: the manifests call for no records ({where}).")
    return "\n".join(out) + "\n"
