"""The deployment files and production settings, validated offline."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args, env=None):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)


def test_docker_compose_matches_the_compose_specification():
    result = _run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_runs_web_worker_beat_postgres_and_redis_with_healthchecks():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no healthcheck"


def test_the_dockerfile_passes_hadolint_and_runs_as_non_root():
    result = _run(str(BIN / "hadolint"), "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") >= 2, "multi-stage build expected"
    user_lines = [line for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert user_lines and not user_lines[-1].split()[1].startswith(("root", "0"))


@pytest.mark.parametrize(("concurrency", "expected"), [("", 2 * len(os.sched_getaffinity(0)) + 1), ("7", 7)])
def test_gunicorn_conf_sets_known_settings_and_a_worker_count(monkeypatch, concurrency, expected):
    import runpy

    from gunicorn.config import KNOWN_SETTINGS

    monkeypatch.setenv("WEB_CONCURRENCY", concurrency)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    settings = {name: value for name, value in conf.items() if not name.startswith("_") and name != "os"}
    assert set(settings) <= {setting.name for setting in KNOWN_SETTINGS}, "a misspelt gunicorn setting"
    assert settings["workers"] == expected
    assert 'CMD ["gunicorn", "devopsboard.wsgi"]' in (ROOT / "Dockerfile").read_text()


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-production-secret-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="devopsboard.example.com",
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        LOG_LEVEL="ERROR",
        **extra,
    )
    return env


def test_a_bad_prepare_threshold_stops_start_up_with_what_to_set():
    env = _production_env(DATABASE_URL="postgres://postgres@127.0.0.1:5432/devopsboard", DATABASE_PREPARE_THRESHOLD="x")
    result = _run(sys.executable, "manage.py", "check", env=env)

    assert result.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD is 'x': set a whole number or none." in result.stderr


def test_check_deploy_reports_nothing_with_production_settings():
    result = _run(sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_reports_nothing_behind_a_tls_proxy_that_redirects_itself():
    env = _production_env(DJANGO_SECURE_SSL_REDIRECT="0")
    result = _run(sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_a_secret_key_check_deploy_fails_and_the_web_process_refuses_to_start():
    env = _production_env()
    env.pop("DJANGO_SECRET_KEY")
    check = _run(sys.executable, "manage.py", "check", "--deploy", env=env)
    assert check.returncode != 0
    assert "devopsboard.E001" in check.stderr + check.stdout
    serve = _run(sys.executable, "-c", "import devopsboard.wsgi", env=env)
    assert serve.returncode != 0
    assert "DJANGO_SECRET_KEY" in serve.stderr


def test_check_deploy_warns_when_secrets_at_rest_have_no_key_of_their_own():
    env = _production_env()
    env.pop("FIELD_ENCRYPTION_KEY")
    result = _run(sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "devopsboard.W001" in result.stderr + result.stdout


def test_every_environment_variable_of_the_contract_is_in_env_example():
    example = (ROOT / ".env.example").read_text()
    for name in [
        "DJANGO_DEBUG",
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "FIELD_ENCRYPTION_KEY",
        "PORT",
    ]:
        assert f"\n{name}=" in example, name


@pytest.mark.parametrize("with_secret_key", [True, False])
def test_seed_demo_refuses_with_debug_off_unless_forced(with_secret_key):
    env = _production_env()
    if not with_secret_key:
        env.pop("DJANGO_SECRET_KEY")
    result = _run(sys.executable, "manage.py", "seed_demo", env=env)
    assert result.returncode != 0
    assert "--force" in result.stderr
