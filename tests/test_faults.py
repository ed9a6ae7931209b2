"""Faults during load, short form: the worker killed, Redis stopped, PostgreSQL restarted (benchmarks/faults.py).

Its own PostgreSQL cluster (initdb, pg_ctl), redis-server, gunicorn and Celery worker: never the machine's
shared ones. `make faults` runs the longer form and prints the recovery times (docs/benchmarks.md).
"""

import glob
import shutil

import pytest

from benchmarks import faults

pytestmark = [pytest.mark.worker]


def test_the_app_answers_503_or_succeeds_during_each_fault_and_loses_nothing_acknowledged():
    missing = [name for name in ("redis-server",) if not shutil.which(name)]
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb") and not shutil.which("initdb"):
        missing.append("initdb")
    assert not missing, f"the fault test starts its own instances: install {', '.join(missing)}"
    lines: list[str] = []

    results = faults.run(outage=2.0, settle=2.0, report=lines.append)

    print("\n".join(lines))
    assert results["requests"].get("503"), "an outage was seen by the load (503s with Retry-After)"
    for fault, figures in results["faults"].items():
        assert figures["drained"] < 60, f"{fault}: queue drained within a minute of recovery"
