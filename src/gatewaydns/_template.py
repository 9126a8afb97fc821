"""A small, safe FQDN template language for the CLI (no ``eval``, no Go templates).

A template is text with placeholders in braces; several templates are separated by commas::

    {name}.{namespace}.example.com, {label:team}.apps.example.com, {hostname}.internal.example

Placeholders:

==================== ======================================================================
``{name}``           the route's name
``{namespace}``      the route's namespace
``{kind}``           the route's kind, lower-case (``httproute``)
``{label:KEY}``      the value of the route's label ``KEY``
``{annotation:KEY}`` the value of the route's annotation ``KEY``
``{hostname}``       each of the route's ``spec.hostnames`` (one result per hostname)
==================== ======================================================================

``{{`` and ``}}`` stand for literal braces. A template whose label or annotation is missing on
a route, or that uses ``{hostname}`` on a route without spec hostnames, produces nothing for that
route. An unknown placeholder is a :class:`~gatewaydns.ConfigError` when the template is
compiled.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gatewaydns._errors import ConfigError
from gatewaydns._routes import RouteBase

__all__ = ["compile_fqdn_template"]

_PART = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[^{}]+|[{}]")
_SIMPLE = ("name", "namespace", "kind", "hostname")
_KEYED = ("label", "annotation")

Piece = tuple[str, str]  # (kind, value): ("text", "..."), ("name", ""), ("label", "team"), ...


def _compile_one(text: str) -> list[Piece]:
    pieces: list[Piece] = []
    for m in _PART.finditer(text):
        token = m.group()
        if token in ("{{", "}}"):
            pieces.append(("text", token[0]))
        elif m.group(1) is not None:
            inner = m.group(1).strip()
            head, sep, key = inner.partition(":")
            if not sep and head in _SIMPLE:
                pieces.append((head, ""))
            elif sep and head in _KEYED and key:
                pieces.append((head, key))
            else:
                known = "{name}, {namespace}, {kind}, {hostname}, {label:KEY}, {annotation:KEY}"
                msg = f"fqdn template {text!r}: unknown placeholder {token!r} (known: {known})"
                raise ConfigError(msg)
        elif token in ("{", "}"):
            msg = f"fqdn template {text!r}: unmatched {token!r} (write {token * 2!r} for a brace)"
            raise ConfigError(msg)
        else:
            pieces.append(("text", token))
    return pieces


def _render(pieces: list[Piece], route: Any) -> list[str]:
    # a route of the library is read through its readers, which a compact route (a fast
    # load's, #17) answers without being made whole; anything else through its attributes
    ours = isinstance(route, RouteBase)
    results = [""]
    for kind, value in pieces:
        if kind == "text":
            add = [value]
        elif kind == "name":
            add = [route.name]
        elif kind == "namespace":
            add = [route.namespace]
        elif kind == "kind":
            add = [route.kind.lower()]
        elif kind == "hostname":
            add = list(route._hostname_data() if ours else route.spec_hostnames)
        else:
            if ours:
                source = route._label_data() if kind == "label" else route._annotation_data()
            else:
                source = route.metadata.labels if kind == "label" else route.metadata.annotations
            found = (source or {}).get(value)
            add = [] if found is None else [found]
        results = [r + a for r in results for a in add]
    return results


def compile_fqdn_template(text: str) -> Callable[[Any], list[str]]:
    """Compile a comma-separated FQDN template into the callable ``SourceConfig`` takes.

    Args:
        text: the templates, e.g. ``"{name}.{namespace}.example.com"``.

    Returns:
        A function from a route model to its hostnames.

    Raises:
        ConfigError: an unknown placeholder or an unmatched brace.

    Example:
        >>> from gatewaydns import HTTPRoute
        >>> route = HTTPRoute(metadata={"name": "shop", "namespace": "app"})
        >>> compile_fqdn_template("{name}.{namespace}.example.com")(route)
        ['shop.app.example.com']
    """
    templates = [_compile_one(part.strip()) for part in text.split(",") if part.strip()]
    if not templates:
        msg = "fqdn template is empty"
        raise ConfigError(msg)

    def render(route: Any) -> list[str]:
        return [name for pieces in templates for name in _render(pieces, route)]

    return render
