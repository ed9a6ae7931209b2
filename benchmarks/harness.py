"""What a benchmark fails on: deterministic figures only (query and request counts).

Timed figures depend on the machine and its load, so they are printed with their target and never
fail a run; a count is the same on every machine, so a count over its budget fails `make bench-short`.
"""

import statistics
import time
from urllib.parse import urlparse, urlunparse

import psycopg

_failures: list[str] = []


def admin_dsn(url: str) -> str:
    """The server's `postgres` database at DATABASE_URL's address, to create and drop others from."""
    return urlunparse(urlparse(url)._replace(path="/postgres", scheme="postgresql"))


def recreate_database(url: str, name: str, *, drop_only: bool = False) -> None:
    """Drop the benchmark's database `name` on DATABASE_URL's server (closing its sessions), then create it anew."""
    with psycopg.connect(admin_dsn(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def time_ms(fn, *, runs: int, warmups: int = 2) -> tuple[float, float]:
    """Call `fn` `warmups` times untimed, then `runs` times; return the median and p90 in milliseconds."""
    for _ in range(warmups):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.9 * len(samples)) - 1)]


def require(figure: str, value: int, *, at_most: int) -> bool:
    """Print a deterministic figure against its budget; over budget fails the run."""
    kept = value <= at_most
    print(f"  {'ok' if kept else 'FAILED'}: {figure} = {value} (budget {at_most})", flush=True)
    if not kept:
        _failures.append(f"{figure} = {value}, budget {at_most}")
    return kept


def report_timed(figure: str, value: float, *, target: float, unit: str = "ms") -> bool:
    """Print a timed figure against its target; a miss is reported, never a failure."""
    met = value < target
    print(f"  {'met' if met else 'MISSED'}: {figure} = {value:.1f} {unit} (target < {target:g} {unit}; timed)")
    return met


def failures() -> list[str]:
    """The deterministic figures over budget so far in this process."""
    return list(_failures)
