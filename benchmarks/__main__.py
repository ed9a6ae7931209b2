import argparse
import importlib
import os
import subprocess
import sys

from benchmarks import harness

BENCHMARKS = ["board", "sync", "webhooks", "dashboard", "postmortems", "retros"]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="Run devopsboard's benchmarks.")
    parser.add_argument("names", nargs="+", help=f"'all' or any of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--short", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    names = BENCHMARKS if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; pick from {', '.join(BENCHMARKS)}")
    if len(names) > 1:
        # One process per benchmark: each sets up Django and its environment its own way.
        failed = []
        for name in names:
            command = [sys.executable, "-m", "benchmarks", name] + (["--short"] if args.short else [])
            if subprocess.run(command, check=False).returncode != 0:
                failed.append(name)
        if failed:
            print(f"benchmarks failed: {', '.join(failed)}", file=sys.stderr)
        return 1 if failed else 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devopsboard.settings")
    for name in names:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"benchmarks.{name}":
                raise
            print(f"== {name}: not written yet")
            continue
        print(f"== {name}{' (short)' if args.short else ''}", flush=True)
        module.main(short=args.short)
    if harness.failures():
        print(f"over budget: {'; '.join(harness.failures())}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
