"""Back up the database to one file and restore it into a fresh one: `make backup`, `make restore`.

PostgreSQL: `pg_dump --format=custom` and `pg_restore` (https://www.postgresql.org/docs/current/app-pgdump.html),
which must be of the server's major version or newer. SQLite: the online backup API (the shell's `.backup`,
https://www.sqlite.org/backup.html), safe while the app is running. Secrets stored encrypted
(FIELD_ENCRYPTION_KEY) are in the file as ciphertext: a backup is only useful together with the keys.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

KEYS_REMINDER = (
    "Keep DJANGO_SECRET_KEY and FIELD_ENCRYPTION_KEY with this backup, apart from it: the tokens and "
    "secrets in it are encrypted and cannot be read without them."
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to fix."""


def backup_name(vendor: str, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"devopsboard-{stamp}.{'dump' if vendor == 'postgresql' else 'sqlite3'}"


def database_backup(database: dict, target: Path) -> Path:
    """Write a backup of `database` (a DATABASES entry) to `target`: a file, or a folder (made if need be,
    any path without a suffix) to put one in."""
    vendor = _vendor(database)
    if target.is_dir() or not target.suffix:
        target.mkdir(parents=True, exist_ok=True)
        target = target / backup_name(vendor)
    target.parent.mkdir(parents=True, exist_ok=True)
    if vendor == "sqlite":
        source = _sqlite_path(database)
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)
        copy.close()
        live.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", *_pg_args(database)], database)
    return target


def database_restore(database: dict, source: Path) -> None:
    """Restore the backup `source` into `database`, which must be empty (a fresh database)."""
    if not source.is_file():
        raise BackupError(f"No backup file at {source}: pass FILE=<path> of one made by `make backup`.")
    vendor = _vendor(database)
    if vendor == "sqlite":
        target = _sqlite_path(database)
        if target.exists() and target.stat().st_size:
            raise BackupError(f"{target} already holds a database: restore into a new path (DATABASE_URL).")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as copy, sqlite3.connect(target) as fresh:
            copy.backup(fresh)
        fresh.close()
        copy.close()
    else:
        if _pg_has_tables(database):
            raise BackupError(
                f"Database {database['NAME']} is not empty: create a fresh one and point DATABASE_URL at it."
            )
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={database['NAME']}",
                *_pg_args(database, dbname=False),
                str(source),
            ],
            database,
        )


def _vendor(database: dict) -> str:
    engine = database["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")


def _sqlite_path(database: dict) -> Path:
    name = str(database["NAME"])
    if name in ("", ":memory:") or name.startswith("file:"):
        raise BackupError("An in-memory SQLite database cannot be backed up: set DATABASE_URL to a file.")
    return Path(name)


def _pg_args(database: dict, *, dbname: bool = True) -> list[str]:
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            args.append(f"{flag}={database[key]}")
    return [*args, database["NAME"]] if dbname else args


def _pg_has_tables(database: dict) -> bool:
    query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
    out = _run(["psql", "-tAc", query, *_pg_args(database)], database)
    return out.strip() not in ("", "0")


def _run(command: list[str], database: dict) -> str:
    env = {**os.environ, **({"PGPASSWORD": str(database["PASSWORD"])} if database.get("PASSWORD") else {})}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed: install the PostgreSQL client (postgresql-client).")
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{command[0]} failed: {last}")
    return done.stdout
