"""`pytest` alone, without `make` and its DJANGO_DEBUG=1, runs the suite as `make test` does."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bare_pytest_passes_pages_and_api_without_django_debug_in_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "teams/tests/test_accounts.py::test_a_good_login_lands_on_the_team_home_and_is_audited",
            "teams/tests/test_access.py::test_every_team_route_answers_404_to_a_non_member_whatever_the_method",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
