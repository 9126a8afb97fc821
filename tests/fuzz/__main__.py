"""Run the fuzz targets: ``python -m tests.fuzz --seconds 60``.

Each target runs under libFuzzer (atheris) for the given time, seeded from ``corpus/<target>``
(copied to a scratch directory, so runs do not grow the committed corpus). A crash or a
non-zero exit fails the run and leaves the crashing input in the scratch directory.
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).parent
TARGETS = {"loader": "fuzz_loader.py", "selector": "fuzz_selector.py"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="per target")
    parser.add_argument("targets", nargs="*", default=sorted(TARGETS))
    args = parser.parse_args()
    if importlib.util.find_spec("atheris") is None:
        print("atheris is not installed (pip install atheris); it ships wheels for Linux x86_64")
        return 1
    failed = []
    for name in args.targets:
        scratch = pathlib.Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
        corpus = scratch / "corpus"
        shutil.copytree(HERE / "corpus" / name, corpus)
        cmd = [
            sys.executable,
            str(HERE / TARGETS[name]),
            str(corpus),
            f"-max_total_time={args.seconds}",
            "-rss_limit_mb=2048",
            "-timeout=10",
            f"-artifact_prefix={scratch}/",
            "-print_final_stats=1",
        ]
        print(f"== fuzz {name} for {args.seconds}s", flush=True)
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
        tail = [
            line
            for line in proc.stderr.splitlines()
            if line.startswith(("stat::", "Done", "==", "INFO: Running"))
        ]
        print("\n".join(tail[-6:]))
        if proc.returncode != 0:
            print(proc.stderr[-3000:])
            print(f"fuzz {name} FAILED; artifacts in {scratch}")
            failed.append(name)
        else:
            shutil.rmtree(scratch)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
