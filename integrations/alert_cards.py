"""Dependabot alerts as cards: the team's rule (`AlertCardRule`) names a column of one board per severity.

- An open alert of a covered severity gets one card (source `dependabot_alert`, "owner/name#<alert number>"),
  whether the webhook or the sync sees it first: the alert rows are locked while cards are made, and an
  existing card of that source anywhere on the team's boards is reused, never duplicated.
- A fixed or dismissed alert (auto-dismissed too) closes its card: the card moves to its board's first done
  column (it keeps its history and counts as finished in the flow metrics); a board without a done column
  archives it instead.
- A reopened (reintroduced) alert moves its card from the done column back to its severity's column.
A full column (hard WIP limit) leaves things as they are and says so; the next sync or event tries again.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import F

from integrations.models import AlertCardRule, DependabotAlert, Repository
from kanban.models import Card, Column, Priority, SourceKind
from kanban.services import CardError, card_archive, card_create, card_move
from teams.audit import audit_record

SEVERITIES = ("critical", "high", "medium", "low")
CLOSED_STATES = ("fixed", "dismissed", "auto_dismissed")
PRIORITY = {"critical": Priority.URGENT, "high": Priority.HIGH}


def alert_source_id(repository: Repository, number: int) -> str:
    return f"{repository.full_name}#{number}"


def alert_cards_apply(*, repository: Repository, numbers: list[int]) -> list[str]:
    """Make, close or reopen the cards of these alerts of `repository` as the team's rule says; say what changed."""
    rule = AlertCardRule.objects.for_team(repository.team).select_related("board__team").first()
    if rule is None or not numbers:
        return []
    columns = {column.pk: column for column in Column.objects.filter(board=rule.board)}
    notes: list[str] = []
    with transaction.atomic():
        # Locked: a webhook and a sync handling the same alert take turns, and the second finds the first's card.
        alerts = DependabotAlert.objects.select_for_update().filter(repository=repository, number__in=numbers)
        alerts = list(alerts.order_by("number"))
        sources = [alert_source_id(repository, alert.number) for alert in alerts]
        cards: dict[str, Card] = {}
        found = Card.objects.for_team(repository.team).filter(
            source_kind=SourceKind.DEPENDABOT_ALERT, source_id__in=sources
        )
        # An open card before an archived one: a card a person archived and then re-made stays the one used.
        for card in found.select_related("column").order_by(F("archived_at").asc(nulls_first=True), "id"):
            cards.setdefault(card.source_id, card)
        for alert in alerts:
            column = columns.get((rule.columns or {}).get(alert.severity) or 0)
            card = cards.get(alert_source_id(repository, alert.number))
            note = _card_for(rule, alert, card, column, repository)
            if note:
                notes.append(note)
    return notes


def _card_for(rule: AlertCardRule, alert: DependabotAlert, card: Card | None, column: Column | None, repository):
    source_id = alert_source_id(repository, alert.number)
    try:
        if alert.state in CLOSED_STATES:
            return _close(card, source_id) if card is not None else ""
        if card is None:
            return _create(rule, alert, column, repository) if column is not None else ""
        if column is not None and card.archived_at is None and card.column.is_done:
            card_move(card=card, column=column, position=0, by=None)
            return f"Card of alert {source_id} reopened in {column.name}."
    except CardError as error:
        return f"Card of alert {source_id} unchanged: {error}"
    return ""


def _create(rule: AlertCardRule, alert: DependabotAlert, column: Column, repository: Repository) -> str:
    source_id = alert_source_id(repository, alert.number)
    title = f"{alert.severity.capitalize()} Dependabot alert: {alert.package or 'a dependency'} in {repository.name}"
    card_create(
        board=rule.board,
        column=column,
        title=title[:200],
        description=_description(alert, repository),
        by=None,
        priority=PRIORITY.get(alert.severity, Priority.NORMAL),
        source_kind=SourceKind.DEPENDABOT_ALERT,
        source_id=source_id,
        source_url=alert.html_url,
    )
    return f"Card made for alert {source_id} in {column.name}."


def _close(card: Card, source_id: str) -> str:
    if card.archived_at is not None or card.column.is_done:
        return ""
    done = Column.objects.filter(board_id=card.board_id, is_done=True).order_by("position", "id").first()
    if done is None:
        card_archive(card=card, by=None)
        return f"Card of alert {source_id} archived (its board has no done column)."
    card_move(card=card, column=done, position=0, by=None)
    return f"Card of alert {source_id} moved to {done.name}."


def _description(alert: DependabotAlert, repository: Repository) -> str:
    facts = {
        "Package": f"{alert.package} ({alert.ecosystem})" if alert.package else "",
        "Manifest": alert.manifest_path,
        "Advisory": ", ".join(x for x in (alert.ghsa_id, alert.cve_id) if x),
        "Alert": f"{repository.full_name} number {alert.number}",
    }
    lines = [f"- {name}: {value}" for name, value in facts.items() if value]
    intro = f"{alert.summary}\n\n" if alert.summary else ""
    return intro + "\n".join(lines) + "\n\nThis card closes itself when the alert is fixed or dismissed."


def alert_card_rule_set(*, team, board, columns: dict[str, int], by) -> list[str]:
    """Save the team's rule (no board: off) and apply it to the open alerts already synced; notes of what changed."""
    if board is None:
        AlertCardRule.objects.for_team(team).delete()
        audit_record(action="github.alert_cards_updated", actor=by, team=team, obj=None, data={})
        return []
    AlertCardRule.objects.update_or_create(team=team, defaults={"board": board, "columns": columns})
    audit_record(
        action="github.alert_cards_updated", actor=by, team=team, obj=None, data={"board": board.pk, **columns}
    )
    open_alerts = DependabotAlert.objects.for_team(team).filter(state="open", severity__in=list(columns))
    numbers: dict[int, list[int]] = defaultdict(list)
    for repository_id, number in open_alerts.values_list("repository_id", "number"):
        numbers[repository_id].append(number)
    notes: list[str] = []
    for repository in (
        Repository.objects.for_team(team).filter(pk__in=list(numbers)).select_related("team").order_by("pk")
    ):
        notes += alert_cards_apply(repository=repository, numbers=numbers[repository.pk])
    return notes
