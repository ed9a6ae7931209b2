"""Count the calls the app makes to the cache at its public interface, for the live-poll cost tests."""

from django.core.cache import caches

CACHE_CALLS = ("get", "get_many", "has_key", "add", "set", "set_many", "incr", "decr", "delete", "delete_many", "touch")


def count_cache_calls(monkeypatch) -> list[str]:
    """Wrap the default cache's public methods; the list fills with each call's method name.

    A backend's own calls inside one (the in-process cache answers `get_many` with a `get` a key) are
    counted as that one call.
    """
    backend = caches["default"]
    calls: list[str] = []
    depth = [0]
    for name in CACHE_CALLS:
        method = getattr(backend, name)

        def counted(*args, _name=name, _method=method, **kwargs):
            if not depth[0]:
                calls.append(_name)
            depth[0] += 1
            try:
                return _method(*args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(backend, name, counted)
    return calls
