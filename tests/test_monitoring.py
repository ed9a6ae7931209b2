"""Prometheus rules and their tests, the Alertmanager routes and the Grafana dashboards, validated offline.

promtool and amtool come from Debian's `prometheus` and `prometheus-alertmanager` packages (.ci/run
installs them); node-exporter from `prometheus-node-exporter`. Each validator is also shown a broken
copy, so a tool that accepts anything would fail the suite.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
REQUIRED_ALERTS = {
    "DevopsboardAppDown",
    "DevopsboardHighErrorRatio",
    "DevopsboardHighLatencyP99",
    "DevopsboardQueueBacklog",
    "DevopsboardWorkerDown",
    "DevopsboardWebhookLag",
    "DevopsboardSyncStale",
    "DevopsboardRateLimitNearlySpent",
    "NodeDiskAlmostFull",
    "NodeMemoryLow",
}


def tool(name: str, package: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is missing: apt-get install -y {package} (.ci/run does).")
    pytest.skip(f"{name} is missing: apt-get install -y {package}")


def run(*args, cwd=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


def alerts() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


# --- Prometheus ---------------------------------------------------------------------


def test_the_alert_rules_pass_promtool_check_and_a_broken_rule_does_not(tmp_path):
    promtool = tool("promtool", "prometheus")
    result = run(promtool, "check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "alerts.yml"
    broken.write_text(RULES.read_text().replace("> 0.05", "> > 0.05", 1))
    assert run(promtool, "check", "rules", str(broken)).returncode != 0


def test_the_alert_rules_pass_their_promtool_unit_tests_and_fail_them_when_a_threshold_moves(tmp_path):
    promtool = tool("promtool", "prometheus")
    result = run(promtool, "test", "rules", "alerts_test.yml", cwd=DEPLOY / "prometheus")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr
    shutil.copy(DEPLOY / "prometheus" / "alerts_test.yml", tmp_path)
    (tmp_path / "alerts.yml").write_text(RULES.read_text().replace("> 300", "> 3000", 1))
    moved = run(promtool, "test", "rules", "alerts_test.yml", cwd=tmp_path)
    assert moved.returncode != 0
    assert "DevopsboardWebhookLag" in moved.stdout + moved.stderr


def test_every_alert_of_the_issue_exists_and_is_unit_tested():
    names = {rule["alert"] for rule in alerts()}
    assert names >= REQUIRED_ALERTS
    tests = yaml.safe_load((DEPLOY / "prometheus" / "alerts_test.yml").read_text())["tests"]
    tested = {case["alertname"] for test in tests for case in test.get("alert_rule_test", []) if case["exp_alerts"]}
    assert names <= tested, f"alerts never shown firing: {names - tested}"


def test_every_alert_links_a_runbook_section_that_exists_in_the_operations_guide():
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in (ROOT / "docs" / "operations.md").read_text().splitlines()
        if line.startswith("#")
    }
    for rule in alerts():
        url = rule["annotations"]["runbook_url"]
        assert "/docs/operations.md#" in url, rule["alert"]
        assert url.split("#", 1)[1] in headings, f"{rule['alert']}: no section #{url.split('#', 1)[1]}"
        assert rule["labels"]["severity"] in {"page", "ticket"}


def test_the_prometheus_configuration_is_valid_and_scrapes_metrics_with_the_token(tmp_path):
    promtool = tool("promtool", "prometheus")
    shutil.copytree(DEPLOY / "prometheus", tmp_path / "prometheus")
    token = tmp_path / "metrics_token"
    token.write_text("token")
    config = tmp_path / "prometheus" / "prometheus.yml"
    config.write_text(config.read_text().replace("/run/secrets/metrics_token", str(token)))
    result = run(promtool, "check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr

    jobs = {job["job_name"]: job for job in yaml.safe_load(config.read_text())["scrape_configs"]}
    assert jobs["devopsboard"]["metrics_path"] == "/metrics"
    assert jobs["devopsboard"]["authorization"]["type"] == "Bearer"
    assert {"devopsboard-worker", "node", "celery-exporter"} <= set(jobs)
    config.write_text(config.read_text().replace("scrape_interval: 15s", "scrape_interval: 15 seconds"))
    assert run(promtool, "check", "config", str(config)).returncode != 0


# --- Alertmanager -------------------------------------------------------------------


def test_alertmanager_routes_to_the_incident_intake_with_a_bearer_token(tmp_path):
    amtool = tool("amtool", "prometheus-alertmanager")
    path = DEPLOY / "alertmanager" / "alertmanager.yml"
    result = run(amtool, "check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr

    config = yaml.safe_load(path.read_text())
    receivers = {receiver["name"]: receiver for receiver in config["receivers"]}
    hook = receivers[config["route"]["receiver"]]["webhook_configs"][0]
    assert re.fullmatch(r"https?://[^/]+/integrations/alertmanager/[a-z0-9-]+/", hook["url"]), hook["url"]
    assert hook["http_config"]["authorization"]["type"] == "Bearer"
    assert hook["send_resolved"] is True
    assert {"on-call-email", "team-chat"} <= set(receivers), "e-mail and chat receivers ready to route"

    broken = tmp_path / "alertmanager.yml"
    broken.write_text(path.read_text().replace("receiver: devopsboard-intake", "receiver: nobody", 1))
    assert run(amtool, "check-config", str(broken)).returncode != 0


# --- Grafana ------------------------------------------------------------------------

PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "by", "without", "rate", "irate", "increase", "histogram_quantile",
    "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "offset", "bool", "abs", "absent",
    "clamp_min", "clamp_max", "topk", "bottomk", "delta", "deriv", "time", "vector", "scalar", "le",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label matchers, ranges and grouping removed)."""
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)
    expr = re.sub(r'"[^"]*"', "", expr)
    return {word for word in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr) if word not in PROMQL_WORDS}


def exported_names(text: str) -> set[str]:
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        names.update(family.name + suffix for suffix in ("_total", "_bucket", "_count", "_sum", "_created"))
    return names


def panels(dashboard: dict) -> list[dict]:
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return [panel for panel in found if panel.get("type") != "row"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_each_dashboard_parses_and_every_panel_queries_the_provisioned_prometheus(path):
    dashboard = json.loads(path.read_text())
    datasource = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    assert dashboard["uid"] and dashboard["title"]
    assert panels(dashboard)
    ids = [panel["id"] for panel in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for panel in panels(dashboard):
        assert panel["datasource"]["uid"] == uid, panel["title"]
        assert panel["targets"] and all(target["expr"].strip() for target in panel["targets"]), panel["title"]


def test_the_four_dashboards_of_the_issue_are_there():
    titles = {json.loads(path.read_text())["title"] for path in DASHBOARDS}
    for word in ("service overview", "Celery", "GitHub sync and webhooks", "node"):
        assert any(word in title for title in titles), word


@pytest.mark.django_db
def test_every_app_dashboard_panel_reads_a_metric_the_app_exports(client, settings, team):
    settings.METRICS_TOKEN = "dashboards"
    client.get("/healthz")
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer dashboards").content.decode()
    exported = exported_names(text) | {"up"}
    for path in DASHBOARDS:
        if path.name == "node.json":
            continue
        for panel in panels(json.loads(path.read_text())):
            for target in panel["targets"]:
                unknown = metric_names(target["expr"]) - exported
                assert not unknown, f"{path.name} / {panel['title']}: {unknown} is not exported"


def test_metric_names_are_found_in_a_query_and_a_misspelt_one_would_be_caught():
    names = metric_names('histogram_quantile(0.99, sum by (le, view) (rate(django_x_bucket{view!~"a|b"}[5m])))')
    assert names == {"django_x_bucket"}
    assert metric_names("sum(rate(devopsboard_celery_taskz_total[5m]))") == {"devopsboard_celery_taskz_total"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_node_dashboard_reads_metrics_a_real_node_exporter_exports():
    exporter = tool("prometheus-node-exporter", "prometheus-node-exporter")
    port = _free_port()
    process = subprocess.Popen(
        [exporter, f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "node-exporter did not start"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
    exported = exported_names(text)
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "node.json").read_text())
    for panel in panels(dashboard):
        for target in panel["targets"]:
            assert not metric_names(target["expr"]) - exported, panel["title"]
    for rule in alerts():
        if rule["alert"].startswith("Node"):
            assert not metric_names(rule["expr"]) - exported, rule["alert"]


def test_every_scrape_job_the_alerts_watch_is_configured_for_compose_and_kubernetes():
    watched = {job for rule in alerts() for job in re.findall(r'job="([^"]+)"', rule["expr"])}
    assert watched == {"devopsboard", "devopsboard-worker"}
    compose_jobs = {
        job["job_name"]
        for job in yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())["scrape_configs"]
    }
    monitors = yaml.safe_load_all((DEPLOY / "k8s" / "monitoring" / "podmonitors.yaml").read_text())
    k8s_jobs = {
        relabel["replacement"]
        for monitor in monitors
        for endpoint in monitor["spec"]["podMetricsEndpoints"]
        for relabel in endpoint.get("relabelings", [])
        if relabel["targetLabel"] == "job"
    }
    assert watched <= compose_jobs
    assert watched <= k8s_jobs
