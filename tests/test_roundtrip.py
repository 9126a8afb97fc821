"""Lossless round trip of every manifest in the corpus, and CRD field coverage."""

from __future__ import annotations

import json
import pathlib
import types
import typing
from typing import Any

import pytest

import gatewaydns
from gatewaydns._base import KubeModel
from gatewaydns._snapshot import KINDS
from gatewaydns._yaml import load_yaml_documents

DATA = pathlib.Path(__file__).parent / "data"
CORPUS = sorted((DATA / "roundtrip").glob("*.yaml"))
MODELS = {kind: cls for (_group, kind), cls in KINDS.items()}


def corpus_docs() -> list[Any]:
    out = []
    for file in CORPUS:
        for i, doc in enumerate(load_yaml_documents(file.read_text())):
            out.append(pytest.param(doc, id=f"{file.stem}-{i}-{doc['metadata']['name']}"))
    return out


@pytest.mark.parametrize("doc", corpus_docs())
def test_yaml_document_round_trips(doc: dict[str, Any]) -> None:
    model = MODELS[doc["kind"]]
    dumped = model.model_validate(doc).model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert dumped == doc


@pytest.mark.parametrize("doc", corpus_docs())
def test_json_document_round_trips_byte_for_byte(doc: dict[str, Any]) -> None:
    text = json.dumps(doc, sort_keys=True)
    model = MODELS[doc["kind"]]
    obj = model.model_validate(json.loads(text))
    dumped = obj.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert json.dumps(dumped, sort_keys=True) == text


def test_snapshot_keeps_every_corpus_object() -> None:
    docs = [p.values[0] for p in corpus_docs()]
    snap = gatewaydns.Snapshot.from_manifests(docs)
    loaded = [*snap.gateways, *snap.listener_sets, *snap.routes, *snap.namespaces]
    assert len(loaded) == len(docs)
    by_key = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    for obj in loaded:
        dumped = obj.model_dump(mode="json", by_alias=True, exclude_unset=True)
        assert dumped == by_key[(obj.kind, obj.name)]


def _paths(value: Any, prefix: str, out: set[str]) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            here = f"{prefix}.{key}" if prefix else key
            out.add(here)
            _paths(sub, here, out)
    elif isinstance(value, list):
        for sub in value:
            _paths(sub, prefix + "[]", out)


def _crd_fields() -> list[tuple[str, str, str]]:
    rows = []
    for line in (DATA / "crd_fields.txt").read_text().splitlines():
        kind, version, path = line.split(" ")
        if kind in MODELS:
            rows.append((kind, version, path))
    return rows


def test_corpus_covers_every_crd_field() -> None:
    seen: dict[str, set[str]] = {}
    for param in corpus_docs():
        doc = param.values[0]
        _paths(doc, "", seen.setdefault(doc["kind"], set()))
    missing = sorted(
        f"{kind} {path}" for kind, _v, path in _crd_fields() if path not in seen.get(kind, set())
    )
    assert missing == []


def _model_of(annotation: Any) -> type[KubeModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, KubeModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _typed(model: type[KubeModel], path: str) -> bool:
    current: type[KubeModel] | None = model
    for segment in path.replace("[]", "").split("."):
        if current is None:
            return False
        fields = {(f.alias or n): f for n, f in current.model_fields.items()}
        if segment not in fields:
            return False
        current = _model_of(fields[segment].annotation)
    return True


@pytest.mark.parametrize(("kind", "version", "path"), _crd_fields())
def test_every_crd_field_is_typed(kind: str, version: str, path: str) -> None:
    model = MODELS[kind]
    assert f"{version}" in model.API_VERSIONS
    assert _typed(model, path), f"{kind}: {path} is not a typed model field"
