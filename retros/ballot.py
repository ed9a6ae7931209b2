"""The ballot box: what people contribute to an open phase, kept in the cache and out of the tables.

While a phase is open, the safety answers of every retro and the notes and votes of an anonymous
retro live only in the cache (Redis in production, the process's memory in the embedded default),
under keys that carry the retro, the box's random id and, for per-person limits, an HMAC of the
person under the box's own random key. When the phase closes, services.py takes the box's contents
(`take_*`), deletes every key, and writes the rows in one transaction in random order; the box key
is gone with the phase, so a leftover counter (e.g. of a person who left the team) names nobody.

The database therefore never sees a contribution at the moment it is made: no row, row version,
transaction id or sequence value follows the order or the time of the writers. The cost: a
contribution lives only as long as the cache keeps it (TTL below); a cache that loses its data in
the middle of a phase loses that phase's contributions. docs/security.md states the promise.

No ORM here: storage only. The services decide what a limit means.
"""

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache

# A meeting's phase lasts minutes; a box that outlives a day was abandoned with its retro.
TTL = 60 * 60 * 24


@dataclass(frozen=True)
class Box:
    retro_id: int
    phase: str
    id: str
    key: bytes

    def k(self, *parts: object) -> str:
        return ":".join(["retro:box", str(self.retro_id), self.id, *(str(p) for p in parts)])

    def person(self, user_id: int, *parts: object) -> str:
        """The opaque name of one person (and `parts`) in this box, valid only while the box lives."""
        message = ":".join(str(p) for p in (user_id, *parts)).encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


def _meta_key(retro_id: int, phase: str) -> str:
    return f"retro:box:{retro_id}:{phase}"


def box(retro_id: int, phase: str) -> Box:
    """The phase's open box, created with a fresh random id and key on first use."""
    meta = cache.get(_meta_key(retro_id, phase))
    if meta is None:
        cache.add(_meta_key(retro_id, phase), {"id": secrets.token_hex(8), "key": secrets.token_hex(32)}, TTL)
        meta = cache.get(_meta_key(retro_id, phase))
    return Box(retro_id=retro_id, phase=phase, id=meta["id"], key=bytes.fromhex(meta["key"]))


def _peek(retro_id: int, phase: str) -> Box | None:
    meta = cache.get(_meta_key(retro_id, phase))
    if meta is None:
        return None
    return Box(retro_id=retro_id, phase=phase, id=meta["id"], key=bytes.fromhex(meta["key"]))


def _incr(key: str, delta: int = 1) -> int:
    cache.add(key, 0, TTL)
    return cache.incr(key, delta)


# Safety check: one answer a person, only the counts per value are kept.


def safety_add(retro_id: int, *, user_id: int, value: int) -> bool:
    """Count one answer of `user_id`; False when this person already answered in this box."""
    current = box(retro_id, "safety")
    if not cache.add(current.k("answered", current.person(user_id)), 1, TTL):
        return False
    _incr(current.k("value", value))
    return True


def safety_answered(retro_id: int, *, user_id: int) -> bool:
    current = _peek(retro_id, "safety")
    return bool(current and cache.get(current.k("answered", current.person(user_id))))


def safety_counts(retro_id: int) -> Counter:
    current = _peek(retro_id, "safety")
    if current is None:
        return Counter()
    found = cache.get_many([current.k("value", v) for v in range(1, 6)])
    return Counter({v: int(found.get(current.k("value", v)) or 0) for v in range(1, 6)})


def take_safety(retro_id: int, *, user_ids: Iterable[int]) -> Counter:
    """The counts per value, and the box emptied and forgotten."""
    counts = safety_counts(retro_id)
    current = _peek(retro_id, "safety")
    if current is not None:
        keys = [current.k("value", v) for v in range(1, 6)]
        keys += [current.k("answered", current.person(u)) for u in user_ids]
        cache.delete_many([*keys, _meta_key(retro_id, "safety")])
    return counts


# Notes of an anonymous retro: an item each, found again by its (random) id.


def note_put(retro_id: int, item: dict) -> None:
    """Keep a new note (`id`, `prompt`, `text`, `tag`)."""
    current = box(retro_id, "reflect")
    slot = _incr(current.k("notes"))
    cache.set_many({current.k("note", slot): item, current.k("slot", item["id"]): slot}, TTL)


def notes(retro_id: int) -> list[dict]:
    current = _peek(retro_id, "reflect")
    if current is None:
        return []
    count = int(cache.get(current.k("notes")) or 0)
    found = cache.get_many([current.k("note", n) for n in range(1, count + 1)])
    return [item for item in found.values() if item]


def note_replace(retro_id: int, note_id: str, item: dict | None) -> bool:
    """Change (or, with None, drop) the note `note_id`; False when the box has no such note."""
    current = _peek(retro_id, "reflect")
    slot = cache.get(current.k("slot", note_id)) if current else None
    if current is None or slot is None:
        return False
    if item is None:
        cache.delete_many([current.k("note", slot), current.k("slot", note_id)])
    else:
        cache.set(current.k("note", slot), item, TTL)
    return True


def take_notes(retro_id: int) -> list[dict]:
    items = notes(retro_id)
    current = _peek(retro_id, "reflect")
    if current is not None:
        count = int(cache.get(current.k("notes")) or 0)
        keys = [current.k("note", n) for n in range(1, count + 1)] + [current.k("slot", i["id"]) for i in items]
        cache.delete_many([*keys, current.k("notes"), _meta_key(retro_id, "reflect")])
    return items


# Votes of an anonymous retro: counters only (per person, per person and group, per group).

BUDGET, CAP, NONE = "budget", "cap", "none"


def vote_add(retro_id: int, *, user_id: int, group_id: int, budget: int, cap: int) -> str:
    """Add one dot; "" when counted, else BUDGET or CAP (nothing counted)."""
    current = box(retro_id, "vote")
    used_key, cap_key = current.k("used", current.person(user_id)), current.k("cap", current.person(user_id, group_id))
    used = _incr(used_key)
    if used > budget:
        cache.decr(used_key)
        return BUDGET
    if _incr(cap_key) > cap:
        cache.decr(cap_key)
        cache.decr(used_key)
        return CAP
    if used == 1:
        _incr(current.k("voters"))
    _incr(current.k("total", group_id))
    return ""


def vote_remove(retro_id: int, *, user_id: int, group_id: int) -> str:
    """Take one dot back; "" when done, NONE when this person has none on the group."""
    current = box(retro_id, "vote")
    cap_key = current.k("cap", current.person(user_id, group_id))
    if not cache.get(cap_key):
        return NONE
    cache.decr(cap_key)
    if _incr(current.k("used", current.person(user_id)), -1) == 0:
        _incr(current.k("voters"), -1)
    _incr(current.k("total", group_id), -1)
    return ""


def votes_used(retro_id: int, *, user_id: int) -> int:
    current = _peek(retro_id, "vote")
    return int(cache.get(current.k("used", current.person(user_id))) or 0) if current else 0


def my_votes(retro_id: int, *, user_id: int, group_ids: Iterable[int]) -> dict[int, int]:
    current = _peek(retro_id, "vote")
    if current is None:
        return {}
    keys = {current.k("cap", current.person(user_id, g)): g for g in group_ids}
    return {keys[k]: int(v) for k, v in cache.get_many(list(keys)).items() if v}


def voters(retro_id: int) -> int:
    current = _peek(retro_id, "vote")
    return int(cache.get(current.k("voters")) or 0) if current else 0


def take_votes(retro_id: int, *, group_ids: Iterable[int], user_ids: Iterable[int]) -> dict[int, int]:
    """Dots per group, and the box emptied and forgotten."""
    current = _peek(retro_id, "vote")
    if current is None:
        return {}
    groups, users = list(group_ids), list(user_ids)
    totals_keys = {current.k("total", g): g for g in groups}
    totals = {totals_keys[k]: int(v) for k, v in cache.get_many(list(totals_keys)).items() if v}
    keys = list(totals_keys) + [current.k("voters"), _meta_key(retro_id, "vote")]
    keys += [current.k("used", current.person(u)) for u in users]
    keys += [current.k("cap", current.person(u, g)) for u in users for g in groups]
    cache.delete_many(keys)
    return totals
