r"""An audit in the Prometheus text exposition format (for the node-exporter textfile collector).

Format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/): ``# HELP`` and
``# TYPE`` lines, then one line per series; in a label value ``\``, ``"`` and a line feed are
escaped as ``\\``, ``\"`` and ``\n``, in HELP text ``\`` and a line feed. Every series of a
metric is unique: a finding's labels (kind by metric, name, type, targets, route, Gateway)
identify it, and :func:`~gatewaydns._audit.merge_audits` has merged identical findings.

Metrics, all gauges:

* ``gatewaydns_audit_findings{kind}``: how many findings of each kind (every kind, zeros
  included, so that an alert on ``> 0`` sees the metric even on a clean zone);
* ``gatewaydns_audit_record_sets``: how many (name, type) pairs were compared (0 means the
  audit compared nothing: check the manifests and the zones);
* one gauge per finding kind, ``gatewaydns_audit_<kind>`` (``-`` as ``_``), with one series per
  finding, value 1.
"""

from __future__ import annotations

from gatewaydns._audit import FINDING_KINDS, Audit, Finding

__all__ = ["prometheus_text"]

_PREFIX = "gatewaydns_audit"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f'{k}="{_label(v)}"' for k, v in pairs) + "}"


def _finding_labels(finding: Finding) -> str:
    pairs = [
        ("name", finding.name),
        ("type", finding.record_type),
        ("targets", ",".join(finding.targets)),
        ("route_kind", finding.route_kind),
        ("route", finding.route),
        ("gateway", finding.gateway),
    ]
    return _labels(pairs)


def prometheus_text(audit: Audit) -> str:
    """The audit as Prometheus text exposition format, ending in a line feed.

    Args:
        audit: the audit.

    Returns:
        The text: the per-kind counts, the compared record sets, then one gauge per finding
        kind with one series (value 1) per finding.

    Example:
        >>> print(prometheus_text(Audit((), 0, ())).splitlines()[2])
        gatewaydns_audit_findings{kind="stale-gateway"} 0
    """
    out = [
        f"# HELP {_PREFIX}_findings Findings of the last gatewaydns audit, by kind.",
        f"# TYPE {_PREFIX}_findings gauge",
    ]
    out += [
        f"{_PREFIX}_findings{_labels([('kind', kind)])} {count}"
        for kind, count in audit.counts().items()
    ]
    out += [
        f"# HELP {_PREFIX}_record_sets Record sets (name and type) the last audit compared.",
        f"# TYPE {_PREFIX}_record_sets gauge",
        f"{_PREFIX}_record_sets {audit.checked}",
    ]
    for kind, meaning in FINDING_KINDS.items():
        metric = f"{_PREFIX}_{kind.replace('-', '_')}"
        out += [
            f"# HELP {metric} {_help(f'1 per finding: {meaning}.')}",
            f"# TYPE {metric} gauge",
        ]
        out += [f"{metric}{_finding_labels(f)} 1" for f in audit.findings if f.kind == kind]
    return "\n".join(out) + "\n"
