"""Optional dependencies, imported on first use with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


def require(extra: str, purpose: str, *modules: str) -> ModuleType:
    """Import ``modules`` (dotted names of one package) and return the top-level package.

    Args:
        extra: the gatewaydns extra that installs the package (``rfc2136``).
        purpose: what needs it, for the message (``the RFC 2136 provider needs dnspython``).
        modules: the modules to import (``dns.query``, ``dns.update``, ...).

    Raises:
        ImportError: the package is missing; the message says ``pip install 'gatewaydns[extra]'``.
    """
    try:
        for name in modules:
            importlib.import_module(name)
    except ImportError as exc:
        msg = f"{purpose}: pip install 'gatewaydns[{extra}]'"
        raise ImportError(msg) from exc
    return importlib.import_module(modules[0].split(".")[0])
