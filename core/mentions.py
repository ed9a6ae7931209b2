"""@mentions in text people write: which usernames a text names, and which it names that an earlier version did not.

Who a name belongs to (a member of the team, or nobody) is the subscriber's business (notifications): the
emitting app only says which names appear. A mention is `@` followed by a username's characters (letters,
digits and `_ . + -`), not preceded by a word character, so an e-mail address (`ann@example.com`) is not one.
"""

import re
from collections.abc import Iterable
from typing import Any

from core.events import Event, emit, person

MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]{1,150})")


def mentions_in(*texts: str) -> set[str]:
    """The usernames @mentioned in `texts`, lower-cased; a trailing full stop or dash ends a sentence, not a name."""
    names = set()
    for text in texts:
        for match in MENTION.finditer(text or ""):
            name = match.group(1).rstrip(".-+")
            if name:
                names.add(name.lower())
    return names


def mentions_added(before: Iterable[str], after: Iterable[str]) -> list[str]:
    """The usernames `after` mentions that `before` did not: an edit notifies only for a new mention."""
    return sorted(mentions_in(*after) - mentions_in(*before))


def _excerpt(texts: Iterable[str], names: set[str], limit: int = 200) -> str:
    """The line that carries the first of `names`, on one line and at most `limit` characters."""
    for text in texts:
        for line in (text or "").splitlines():
            if mentions_in(line) & names:
                line = " ".join(line.split())
                return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def mentions_announce(
    *, team: Any, by: Any, after: Iterable[str], before: Iterable[str] = (), where: str, path: str
) -> list[str]:
    """Announce the names `after` mentions and `before` did not (`Event.MENTIONED`); returns them.

    Nobody's edit (an alert, a sync) mentions anyone: only a person's text does.
    """
    after = list(after)
    names = mentions_added(before, after)
    if not names or by is None:
        return []
    emit(
        team=team,
        event=Event.MENTIONED,
        usernames=names,
        by=person(by),
        by_id=by.pk,
        where=where,
        excerpt=_excerpt(after, set(names)),
        path=path,
    )
    return names
