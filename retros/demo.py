"""Demo retros: a finished one whose action items sit on the demo board, and one in the reflect phase."""

import secrets
from datetime import timedelta
from io import TextIOBase

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from kanban.models import Board
from retros.models import Phase, Retro, RetroSettings
from retros.services import (
    action_create,
    group_add_note,
    group_create,
    note_add,
    note_reveal,
    retro_advance_phase,
    retro_create,
    safety_answer,
    vote_cast,
)
from teams.models import Membership, Role, Team

FINISHED = "Sprint 41 retro"
CURRENT = "Sprint 42 retro"
TEAMMATES = ("demo-alex", "demo-sam")
NOTES = [
    ("Start", "Pair on the deploy pipeline", "Deploys"),
    ("Stop", "Deploying on Friday afternoons", "Deploys"),
    ("Stop", "Flaky login test blocks merges", "CI"),
    ("Continue", "Short daily check-ins", None),
    ("Start", "Alert on certificate expiry before it bites", "CI"),
]


def _teammates(team: Team) -> list[User]:
    people = []
    for username in TEAMMATES:
        person, created = get_user_model().objects.get_or_create(username=username)
        if created:
            person.set_unusable_password()  # a name on the screen, not an account anyone logs into
            person.save()
        Membership.objects.get_or_create(team=team, user=person, defaults={"role": Role.MEMBER})
        people.append(person)
    return people


def _advance(retro: Retro, user: User, phase: str) -> Retro:
    while retro.phase != phase:
        retro = retro_advance_phase(retro=retro, by=user)
    return retro


def _finished(team: Team, user: User, people: list[User], board: Board | None) -> Retro:
    everyone = [user, *people]
    retro = retro_create(
        team=team, title=FINISHED, by=user, board=board, scheduled_for=timezone.localdate() - timedelta(days=7)
    )
    for person, value in zip(everyone, (4, 3, 5), strict=True):
        safety_answer(retro=retro, value=value, by=person)
    retro = _advance(retro, user, Phase.REFLECT)
    notes = [
        (note_add(retro=retro, prompt=p, text=t, by=everyone[i % 3], secret=secrets.token_hex(32)), g)
        for i, (p, t, g) in enumerate(NOTES)
    ]
    note_reveal(retro=retro, by=user)
    retro = _advance(retro, user, Phase.GROUP)
    groups = {name: group_create(retro=retro, title=name, by=user) for name in ("Deploys", "CI")}
    for note, name in notes:
        if name:
            note.refresh_from_db()
            group_add_note(note=note, group=groups[name], by=user)
    retro = _advance(retro, user, Phase.VOTE)
    for person, picks in zip(everyone, (["Deploys", "Deploys", "CI"], ["Deploys", "CI"], ["CI"]), strict=True):
        secret = secrets.token_hex(32)
        for name in picks:
            vote_cast(retro=retro, group=groups[name], by=person, secret=secret)
    retro = _advance(retro, user, Phase.DISCUSS)
    today = timezone.localdate()
    action_create(
        retro=retro,
        text="Write a deploy checklist",
        by=user,
        owner=people[0],
        due_date=today + timedelta(days=7),
        group=groups["Deploys"],
    )
    action_create(
        retro=retro,
        text="Quarantine the flaky login test",
        by=user,
        owner=user,
        due_date=today - timedelta(days=1),
        group=groups["CI"],
    )
    return _advance(retro, user, Phase.SUMMARY)


def seed(*, team: Team, user: User, stdout: TextIOBase) -> None:
    """Create the two demo retros once; a second run finds them and changes nothing."""
    board = Board.objects.for_team(team).order_by("id").first()
    if board is not None:
        # The demo's board is the team's default for action items, also in the retros a visitor starts.
        RetroSettings.objects.for_team(team).filter(board=None).update(board=board)
        RetroSettings.objects.get_or_create(team=team, defaults={"board": board})
    if Retro.objects.for_team(team).filter(title=FINISHED).exists():
        return
    people = _teammates(team)
    board = Board.objects.for_team(team).order_by("id").first()
    _finished(team, user, people, board)
    # Finishing a retro creates nothing here (no series); the current one is started by hand.
    current = retro_create(team=team, title=CURRENT, by=user, board=board)
    current = _advance(current, user, Phase.REFLECT)
    for person, (prompt, text) in zip(
        people, (("Start", "Demo the new dashboard"), ("Stop", "Reviews waiting over a day")), strict=True
    ):
        note_add(retro=current, prompt=prompt, text=text, by=person, secret=secrets.token_hex(32))
    stdout.write(f"Retros: “{FINISHED}” (finished, 2 actions on the board) and “{CURRENT}” (reflect phase).")
