"""`make bench-short` fails on deterministic figures (counts) over budget, never on timed ones."""

import sys
import types

import pytest

from benchmarks import __main__ as bench_main
from benchmarks import harness


@pytest.fixture
def fake_benchmark(monkeypatch):
    monkeypatch.setattr(harness, "_failures", [])
    monkeypatch.setattr(bench_main, "BENCHMARKS", ["fake"])

    def install(main):
        module = types.ModuleType("benchmarks.fake")
        module.main = main
        monkeypatch.setitem(sys.modules, "benchmarks.fake", module)

    return install


def test_a_query_count_over_budget_fails_the_run(fake_benchmark, monkeypatch, capsys):
    fake_benchmark(lambda *, short: harness.require("board page queries", 9, at_most=7))
    monkeypatch.setattr(sys, "argv", ["benchmarks", "fake", "--short"])

    assert bench_main.main() == 1
    assert "FAILED: board page queries = 9 (budget 7)" in capsys.readouterr().out


def test_a_missed_time_target_is_printed_and_the_run_passes(fake_benchmark, monkeypatch, capsys):
    def main(*, short):
        harness.require("board page queries", 7, at_most=7)
        harness.report_timed("webhook p99", 80.0, target=50)

    fake_benchmark(main)
    monkeypatch.setattr(sys, "argv", ["benchmarks", "fake", "--short"])

    assert bench_main.main() == 0
    out = capsys.readouterr().out
    assert "ok: board page queries = 7 (budget 7)" in out
    assert "MISSED: webhook p99 = 80.0 ms (target < 50 ms; timed)" in out
