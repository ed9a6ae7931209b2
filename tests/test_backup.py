"""`make backup` and `make restore`: a backup restored into a fresh database holds the same data (both databases)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": "", "DJANGO_DEBUG": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _make(target: str, database_url: str, **variables: str) -> subprocess.CompletedProcess:
    """Run the Makefile's target with this interpreter's virtualenv, as a person would run `make backup`."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": "", "DJANGO_DEBUG": "1"}
    bin_dir = str(Path(sys.executable).parent)
    assigns = [f"{name}={value}" for name, value in variables.items()]
    return subprocess.run(
        ["make", "--no-print-directory", target, f"BIN={bin_dir}", "BACKUP_DEPS=", *assigns],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _pg_url(name: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.mark.postgres
def test_a_postgresql_backup_restores_into_a_fresh_database(transactional_db, team, tmp_path):
    source_url = _pg_url(connection.settings_dict["NAME"])
    backup = _make("backup", source_url, OUTPUT=str(tmp_path))
    assert backup.returncode == 0, backup.stderr
    assert "FIELD_ENCRYPTION_KEY" in backup.stdout
    (dump,) = tmp_path.glob("devopsboard-*.dump")

    fresh = f"restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        restored = _make("restore", _pg_url(fresh), FILE=str(dump))
        assert restored.returncode == 0, restored.stderr
        assert "1 user account(s)" in restored.stdout
        with psycopg.connect(_pg_url(fresh).replace("postgres://", "postgresql://")) as check:
            slugs = [row[0] for row in check.execute("SELECT slug FROM teams_team")]
        assert slugs == [team.slug]

        again = _make("restore", _pg_url(fresh), FILE=str(dump))
        assert again.returncode != 0
        assert f"Database {fresh} is not empty: create a fresh one" in again.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


def test_an_sqlite_backup_restores_into_a_new_file(tmp_path):
    source_url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    assert _manage("migrate", "--noinput", "-v0", database_url=source_url).returncode == 0
    made = _manage(
        "shell",
        "-c",
        "from teams.services import team_create; from django.contrib.auth.models import User; "
        "team_create(name='Kept', by=User.objects.create_user('kept'))",
        database_url=source_url,
    )
    assert made.returncode == 0, made.stderr

    backup = _make("backup", source_url, OUTPUT=str(tmp_path / "backups"))
    assert backup.returncode == 0, backup.stderr
    (copy,) = (tmp_path / "backups").glob("devopsboard-*.sqlite3")

    restored = _make("restore", f"sqlite:///{tmp_path / 'restored.sqlite3'}", FILE=str(copy))
    assert restored.returncode == 0, restored.stderr
    assert "1 user account(s)" in restored.stdout
    check = _manage(
        "shell",
        "-c",
        "from teams.models import Team; print(list(Team.objects.values_list('name', flat=True)))",
        database_url=f"sqlite:///{tmp_path / 'restored.sqlite3'}",
    )
    assert check.stdout.strip().splitlines()[-1] == "['Kept']"


def test_restore_without_a_file_says_what_to_pass(tmp_path):
    missing = _make("restore", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert missing.returncode != 0
    assert "make restore FILE=<backup file>" in missing.stdout + missing.stderr
