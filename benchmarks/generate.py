"""A synthetic cluster: N routes across many namespaces, as `kubectl get -o json` prints it.

Gateways have several listeners (wildcard and exact hostnames, HTTP/HTTPS/TLS), dual-stack
addresses; ~10% of routes carry a stale status.parents entry for a Gateway they have left; some
routes attach through ListenerSets; routes carry realistic rules (matches, filters, weighted
backends) and metadata (labels, annotations, managedFields-free as most tools strip them).
"""

from __future__ import annotations

import json
import random
from typing import Any

G = "gateway.networking.k8s.io/v1"
CONTROLLER = "example.com/gateway-controller"


def _status(name: str, ns: str, gen: int, **ref: Any) -> dict[str, Any]:
    return {
        "parentRef": {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": name,
            "namespace": ns,
            **ref,
        },
        "controllerName": CONTROLLER,
        "conditions": [
            {
                "type": "Accepted",
                "status": "True",
                "reason": "Accepted",
                "message": "Route is accepted",
                "observedGeneration": gen,
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            },
            {
                "type": "ResolvedRefs",
                "status": "True",
                "reason": "ResolvedRefs",
                "message": "Resolved all the Object references for the Route",
                "observedGeneration": gen,
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            },
        ],
    }


def cluster(routes: int, *, seed: int = 1) -> list[dict[str, Any]]:
    """The objects of a cluster with ``routes`` routes."""
    rnd = random.Random(seed)
    n_gateways = max(2, routes // 500)
    n_namespaces = max(5, routes // 50)
    docs: list[dict[str, Any]] = []
    for i in range(n_namespaces):
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": f"ns-{i}",
                    "labels": {
                        "kubernetes.io/metadata.name": f"ns-{i}",
                        "team": f"t{i % 17}",
                        "dns": "on" if i % 3 else "off",
                    },
                },
            }
        )
    for g in range(n_gateways):
        docs.append(
            {
                "apiVersion": G,
                "kind": "Gateway",
                "metadata": {
                    "name": f"gw-{g}",
                    "namespace": "infra",
                    "generation": 3,
                    "creationTimestamp": "2025-01-01T00:00:00Z",
                    "uid": f"00000000-0000-4000-8000-{g:012d}",
                },
                "spec": {
                    "gatewayClassName": "example",
                    "allowedListeners": {"namespaces": {"from": "All"}},
                    "listeners": [
                        {
                            "name": "https",
                            "port": 443,
                            "protocol": "HTTPS",
                            "hostname": f"*.z{g}.example.com",
                            "allowedRoutes": {"namespaces": {"from": "All"}},
                            "tls": {
                                "mode": "Terminate",
                                "certificateRefs": [{"kind": "Secret", "name": f"wild-{g}"}],
                            },
                        },
                        {
                            "name": "http",
                            "port": 80,
                            "protocol": "HTTP",
                            "allowedRoutes": {
                                "namespaces": {
                                    "from": "Selector",
                                    "selector": {"matchLabels": {"dns": "on"}},
                                }
                            },
                        },
                        {
                            "name": "apex",
                            "port": 443,
                            "protocol": "HTTPS",
                            "hostname": f"z{g}.example.com",
                            "allowedRoutes": {
                                "namespaces": {"from": "All"},
                                "kinds": [{"kind": "HTTPRoute"}],
                            },
                        },
                        {
                            "name": "tls",
                            "port": 8443,
                            "protocol": "TLS",
                            "hostname": f"*.tls{g}.example.com",
                            "tls": {"mode": "Passthrough"},
                            "allowedRoutes": {"namespaces": {"from": "All"}},
                        },
                    ],
                },
                "status": {
                    "addresses": [
                        {"type": "IPAddress", "value": f"198.51.{g // 250}.{g % 250 + 1}"},
                        {"type": "IPAddress", "value": f"2001:db8:{g:x}::1"},
                    ],
                    "conditions": [
                        {
                            "type": "Accepted",
                            "status": "True",
                            "reason": "Accepted",
                            "message": "",
                            "observedGeneration": 3,
                            "lastTransitionTime": "2025-01-01T00:00:00Z",
                        },
                        {
                            "type": "Programmed",
                            "status": "True",
                            "reason": "Programmed",
                            "message": "",
                            "observedGeneration": 3,
                            "lastTransitionTime": "2025-01-01T00:00:00Z",
                        },
                    ],
                    "listeners": [
                        {
                            "name": n,
                            "attachedRoutes": 0,
                            "supportedKinds": [
                                {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}
                            ],
                            "conditions": [
                                {
                                    "type": "Accepted",
                                    "status": "True",
                                    "reason": "Accepted",
                                    "message": "",
                                    "observedGeneration": 3,
                                    "lastTransitionTime": "2025-01-01T00:00:00Z",
                                }
                            ],
                        }
                        for n in ("https", "http", "apex", "tls")
                    ],
                },
            }
        )
    n_sets = max(1, routes // 1000)
    for s in range(n_sets):
        ns = f"ns-{s % n_namespaces}"
        docs.append(
            {
                "apiVersion": G,
                "kind": "ListenerSet",
                "metadata": {"name": f"ls-{s}", "namespace": ns, "generation": 1},
                "spec": {
                    "parentRef": {"name": f"gw-{s % n_gateways}", "namespace": "infra"},
                    "listeners": [
                        {
                            "name": "team",
                            "port": 443,
                            "protocol": "HTTPS",
                            "hostname": f"*.team{s}.example.org",
                            "allowedRoutes": {"namespaces": {"from": "All"}},
                        }
                    ],
                },
                "status": {
                    "conditions": [
                        {
                            "type": "Accepted",
                            "status": "True",
                            "reason": "Accepted",
                            "message": "",
                            "observedGeneration": 1,
                            "lastTransitionTime": "2025-01-01T00:00:00Z",
                        }
                    ],
                    "listeners": [
                        {
                            "name": "team",
                            "attachedRoutes": 0,
                            "conditions": [
                                {
                                    "type": "Accepted",
                                    "status": "True",
                                    "reason": "Accepted",
                                    "message": "",
                                    "observedGeneration": 1,
                                    "lastTransitionTime": "2025-01-01T00:00:00Z",
                                }
                            ],
                        }
                    ],
                },
            }
        )
    for r in range(routes):
        ns = f"ns-{r % n_namespaces}"
        g = rnd.randrange(n_gateways)
        gen = rnd.randint(1, 5)
        via_set = r % 50 == 0
        if via_set:
            s = r // 50 % n_sets
            refs = [
                {
                    "group": "gateway.networking.k8s.io",
                    "kind": "ListenerSet",
                    "name": f"ls-{s}",
                    "namespace": f"ns-{s % n_namespaces}",
                }
            ]
            hosts = [f"r{r}.team{s}.example.org"]
            status = [{**_status(f"ls-{s}", f"ns-{s % n_namespaces}", gen), "parentRef": refs[0]}]
        else:
            refs = [
                {
                    "name": f"gw-{g}",
                    "namespace": "infra",
                    **({"sectionName": "https"} if r % 3 else {}),
                }
            ]
            hosts = [f"r{r}.z{g}.example.com"] + (
                [f"www.r{r}.z{g}.example.com"] if r % 4 == 0 else []
            )
            status = [
                _status(f"gw-{g}", "infra", gen, **({"sectionName": "https"} if r % 3 else {}))
            ]
        if r % 10 == 0:  # a stale entry for a Gateway the route has left
            status.append(_status(f"gw-{(g + 1) % n_gateways}", "infra", gen - 1 if gen > 1 else 1))
        annotations = {"external-dns.kubernetes.io/ttl": "300"} if r % 5 == 0 else {}
        docs.append(
            {
                "apiVersion": G,
                "kind": "HTTPRoute",
                "metadata": {
                    "name": f"route-{r}",
                    "namespace": ns,
                    "generation": gen,
                    "creationTimestamp": f"2025-{1 + r % 12:02d}-01T00:00:00Z",
                    "uid": f"10000000-0000-4000-8000-{r:012d}",
                    "resourceVersion": str(1000 + r),
                    "labels": {"app": f"app-{r % 97}", "team": f"t{r % 17}"},
                    "annotations": annotations,
                },
                "spec": {
                    "parentRefs": refs,
                    "hostnames": hosts,
                    "rules": [
                        {
                            "matches": [
                                {
                                    "path": {"type": "PathPrefix", "value": "/api"},
                                    "headers": [{"name": "x-env", "value": "prod"}],
                                }
                            ],
                            "filters": [
                                {
                                    "type": "RequestHeaderModifier",
                                    "requestHeaderModifier": {
                                        "set": [{"name": "x-route", "value": f"route-{r}"}]
                                    },
                                }
                            ],
                            "backendRefs": [
                                {"name": f"api-{r}", "port": 8080, "weight": 90},
                                {"name": f"api-canary-{r}", "port": 8080, "weight": 10},
                            ],
                        },
                        {
                            "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                            "backendRefs": [{"name": f"web-{r}", "port": 80}],
                        },
                    ],
                },
                "status": {"parents": status},
            }
        )
    return docs


def manifest_text(routes: int, *, seed: int = 1) -> str:
    """``kubectl get ... -o json`` output: one ``kind: List``."""
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": cluster(routes, seed=seed)})
