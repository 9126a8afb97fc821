"""Fuzz target: Snapshot.from_manifests on arbitrary text may raise only ManifestError."""

import sys

import atheris

with atheris.instrument_imports(include=["gatewaydns"]):
    from gatewaydns import ManifestError, Snapshot, SourceConfig, compute_endpoints


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    # lone surrogates too, now and then: they must be a ManifestError like everything else
    text = (
        fdp.ConsumeUnicode(8192)
        if fdp.ConsumeIntInRange(0, 7) == 0
        else (fdp.ConsumeUnicodeNoSurrogates(8192))
    )
    try:
        snapshot = Snapshot.from_manifests(text)
    except ManifestError:
        return
    # whatever loads must compute without raising
    compute_endpoints(snapshot, SourceConfig(listener_sets=True))


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
