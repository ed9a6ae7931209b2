"""/metrics: who may read it, and the figures it gives (sample values, not only their names)."""

import time
from datetime import timedelta

import pytest
from celery import current_app, shared_task
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from integrations.models import DependabotAlert, WebhookDelivery
from integrations.tests.factories import ConnectionFactory, RepositoryFactory
from integrations.tests.webhook_support import (
    connect_repositories,
    examples,
    post_delivery,
    webhook_encryption_key,  # noqa: F401
)
from integrations.webhooks import figures as webhook_figures
from integrations.webhooks import services as webhook_services
from kanban.models import Card
from kanban.tests.factories import ColumnFactory

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests"


@pytest.fixture
def scrape(client, settings):
    """Read /metrics as Prometheus does and return {(name, sorted labels): value}."""
    settings.METRICS_TOKEN = TOKEN

    def read() -> dict:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        samples = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return samples

    return read


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_without_a_bearer_token_answer_401_with_a_challenge(client, settings):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Token {TOKEN}").status_code == 401


def test_metrics_with_the_wrong_token_answer_403(client, settings):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert response.status_code == 403
    assert b"devopsboard_teams" not in response.content


def test_metrics_are_closed_with_debug_off_and_no_token(client, settings):
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403
    assert "METRICS_TOKEN" in response.json()["detail"]


def test_metrics_are_open_in_development_without_a_token(client, settings):
    settings.DEBUG = True
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_http_requests_are_counted_per_view_with_status_and_latency(client, scrape):
    before = scrape()
    for _ in range(3):
        client.get("/healthz")
    client.get("/no-such-page/")
    after = scrape()

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert (
        delta("django_http_responses_total_by_status_view_method_total", status="200", view="healthz", method="GET")
        == 3
    )
    assert delta("django_http_requests_latency_seconds_by_view_method_count", view="healthz", method="GET") == 3
    assert (
        delta("django_http_requests_latency_seconds_by_view_method_bucket", view="healthz", method="GET", le="+Inf")
        == 3
    )
    assert delta("django_http_responses_total_by_status_total", status="404") == 1


def test_database_queries_are_counted(client, scrape, team):
    before = scrape()
    client.get("/readyz")
    after = scrape()
    executed = [k for k in after if k[0] == "django_db_execute_total"]
    assert executed
    assert sum(after[k] - before.get(k, 0.0) for k in executed) >= 1


def test_domain_gauges_report_sync_age_rate_limit_alerts_and_wip(scrape, team):
    now = timezone.now()
    repository = RepositoryFactory(
        team=team,
        connection__team=team,
        last_success_at=now - timedelta(hours=2),
        rate_limit_remaining=42,
        graphql_rate_limit_remaining=4321,
    )
    for number, (state, severity) in enumerate(
        [("open", "high"), ("open", "high"), ("open", "critical"), ("fixed", "low")]
    ):
        DependabotAlert.objects.create(
            team=team,
            repository=repository,
            number=number,
            state=state,
            severity=severity,
            created_at=now,
            updated_at=now,
        )
    doing = ColumnFactory(board__team=team, name="Doing", wip_limit=2)
    done = ColumnFactory(board=doing.board, name="Done", is_done=True)
    for column, title in [(doing, "one"), (doing, "two"), (doing, "three"), (done, "finished")]:
        Card.objects.create(team=team, board=doing.board, column=column, title=title)

    samples = scrape()

    where = {"team": team.slug, "repository": repository.full_name}
    assert value(samples, "devopsboard_github_sync_age_seconds", **where) == pytest.approx(7200, abs=60)
    assert value(samples, "devopsboard_github_rate_limit_remaining", **where) == 42
    assert value(samples, "devopsboard_github_graphql_points_remaining", **where) == 4321
    assert value(samples, "devopsboard_dependabot_alerts_open", team=team.slug, severity="high") == 2
    assert value(samples, "devopsboard_dependabot_alerts_open", team=team.slug, severity="critical") == 1
    assert ("devopsboard_dependabot_alerts_open", (("severity", "low"), ("team", team.slug))) not in samples
    board = {"team": team.slug, "board": doing.board.name, "column": "Doing"}
    assert value(samples, "devopsboard_board_wip", **board) == 3
    assert value(samples, "devopsboard_board_wip_limit", **board) == 2
    assert ("devopsboard_board_wip", tuple(sorted({**board, "column": "Done"}.items()))) not in samples
    assert value(samples, "devopsboard_teams") == 1


def test_processing_lag_is_zero_when_nothing_waits(scrape, team):
    assert value(scrape(), "devopsboard_webhook_processing_lag_seconds") == 0


@pytest.fixture
def webhook(client, team):
    """Post signed issue deliveries (as GitHub does); stored, not processed (no worker takes them)."""
    connection = ConnectionFactory(team=team)
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False

    def post(number: int) -> WebhookDelivery:
        payload = examples("issues")[15]
        payload["issue"].update(id=5000 + number, number=number)
        payload.pop("label", None)
        connect_repositories(connection, [payload])
        response = post_delivery(client, connection, "issues", payload)
        assert response.status_code in (200, 202), response.content
        return WebhookDelivery.objects.get(guid=response.json()["guid"])

    yield post
    current_app.conf.task_always_eager = eager


def test_webhook_figures_count_deliveries_as_they_arrive_and_the_backlog_as_the_worker_leaves_it(scrape, webhook):
    before = scrape()
    deliveries = [webhook(n) for n in range(1, 4)]
    WebhookDelivery.objects.filter(pk=deliveries[0].pk).update(received_at=timezone.now() - timedelta(seconds=600))
    cache.delete(webhook_figures.SINCE_KEY)  # as if the oldest had marked the backlog 10 minutes ago
    webhook_figures.waiting_refresh()
    waiting = scrape()

    for delivery in deliveries:
        webhook_services.delivery_process(delivery_id=delivery.pk)
    webhook_figures.waiting_refresh()
    after = scrape()

    def delta(samples, name, **labels):
        return value(samples, name, **labels) - value(before, name, **labels)

    assert delta(waiting, "devopsboard_webhook_deliveries_received_total", source="github") == 3
    assert value(waiting, "devopsboard_webhook_deliveries_waiting") == 3
    assert value(waiting, "devopsboard_webhook_processing_lag_seconds") == pytest.approx(600, abs=60)
    assert delta(after, "devopsboard_webhook_deliveries_finished_total", outcome="processed") == 3
    assert value(after, "devopsboard_webhook_deliveries_waiting") == 0
    assert value(after, "devopsboard_webhook_processing_lag_seconds") == 0


def test_a_delivery_stored_while_no_worker_runs_starts_the_lag_clock(scrape, webhook):
    webhook_figures.waiting_refresh()  # nothing waits
    webhook(1)
    cache.set(webhook_figures.SINCE_KEY, time.time() - 120)  # stored two minutes ago, no drain since
    assert value(scrape(), "devopsboard_webhook_processing_lag_seconds") == pytest.approx(120, abs=30)


def test_the_scrape_never_reads_the_webhook_deliveries_table(scrape, webhook):
    for n in range(1, 4):
        webhook(n)
    table = WebhookDelivery._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        samples = scrape()
    assert queries.captured_queries, "the scrape reads its other figures from the database"
    assert not [query["sql"] for query in queries.captured_queries if table in query["sql"]]
    assert ("devopsboard_webhook_deliveries_waiting", ()) in samples


@pytest.mark.redis  # the queue length is read from Redis
def test_queue_length_counts_the_tasks_waiting_in_the_broker(scrape, settings):
    import redis

    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("celery")
    broker.rpush("celery", "waiting-1", "waiting-2")
    try:
        assert value(scrape(), "devopsboard_celery_queue_length", queue="celery") == 2
    finally:
        broker.delete("celery")


@shared_task(name="tests.metrics_succeeds")
def _succeeds():
    return "ok"


@shared_task(name="tests.metrics_fails")
def _fails():
    raise ValueError("boom")


@shared_task(bind=True, name="tests.metrics_retries", max_retries=1, default_retry_delay=0)
def _retries(self):
    if self.request.retries < 1:
        raise self.retry()
    return "second time"


def test_celery_tasks_are_counted_with_outcome_runtime_failures_and_retries(scrape):
    before = scrape()
    _succeeds.delay()
    _succeeds.delay()
    _fails.delay()
    _retries.delay()
    after = scrape()

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("devopsboard_celery_tasks_total", task="tests.metrics_succeeds", outcome="success") == 2
    assert delta("devopsboard_celery_task_seconds_count", task="tests.metrics_succeeds") == 2
    assert delta("devopsboard_celery_tasks_total", task="tests.metrics_fails", outcome="failure") == 1
    assert delta("devopsboard_celery_task_failures_total", task="tests.metrics_fails", exception="ValueError") == 1
    assert delta("devopsboard_celery_task_retries_total", task="tests.metrics_retries") == 1
