"""How people are named on every page: their display name, with the username where two names collide."""

from collections import Counter


def display_name(user) -> str:
    """The user's display name, or the username when they set none."""
    return user.get_full_name().strip() or user.get_username()


def display_names(users) -> list[str]:
    """Display names for `users`, in order; a name two of them share gets each one's username beside it."""
    names = [display_name(user) for user in users]
    counts = Counter(name.casefold() for name in names)
    return [
        f"{name} ({user.get_username()})" if counts[name.casefold()] > 1 and name != user.get_username() else name
        for name, user in zip(names, users, strict=True)
    ]
