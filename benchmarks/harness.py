"""What a benchmark fails on: deterministic figures only (query and request counts).

Timed figures depend on the machine and its load, so they are printed with their target and never
fail a run; a count is the same on every machine, so a count over its budget fails `make bench-short`.
"""

_failures: list[str] = []


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
