"""Benchmarks: each module has `main(*, short: bool) -> None` and prints its figures.

Run `python -m benchmarks all [--short]` or `python -m benchmarks board sync`.
Figures are ratios against a baseline measured in the same run, recorded in docs/benchmarks.md.
"""
