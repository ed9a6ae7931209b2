"""Domain refusals on pages: one helper runs a service call and shows its `DomainError` to the person.

Every page view that changes something calls its service through `attempt`. A refusal never
escapes as a 500: its message goes on the form when the view re-renders one, into the page's
messages otherwise (`inline=True` when the view shows it inside the fragment it answers with),
and the answer's status comes from `refusal_status`: the error's own `status_code` for a plain
request, 200 for htmx, which swaps only 2xx answers and would drop the message.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.errors import DomainError

T = TypeVar("T")


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """What a service call on a page came to: its result, or the refusal."""

    value: T | None = None
    error: DomainError | None = None

    @property
    def refused(self) -> bool:
        return self.error is not None

    @property
    def detail(self) -> str:
        """The refusal's message for the person, "" when the change was made."""
        return self.error.detail if self.error is not None else ""


def attempt(
    request: HttpRequest,
    change: Callable[..., T],
    /,
    *args: Any,
    on_form: Form | None = None,
    inline: bool = False,
    **kwargs: Any,
) -> Attempt[T]:
    """Call `change(*args, **kwargs)`; a `DomainError` becomes the refusal the person sees.

    On `on_form` (a non-field error) when given; else a page message, unless `inline` (the view
    puts `Attempt.detail` into the fragment it answers with). The helper's own keywords are
    named so that no service takes them: every other keyword goes to `change`.
    """
    try:
        return Attempt(value=change(*args, **kwargs))
    except DomainError as error:
        if on_form is not None:
            on_form.add_error(None, error.detail)
        elif not inline:
            messages.error(request, error.detail)
        return Attempt(error=error)


def refusal_status(
    request: HttpRequest, outcome: Attempt[Any] | DomainError | None = None, *, default: int = 400
) -> int:
    """The status of a page that shows a refusal or a form's errors.

    htmx swaps only 2xx answers, so it gets 200; a plain request gets the domain error's own
    status (409 for a conflict, 403 for a role), or `default` for a form that did not validate.
    """
    if getattr(request, "htmx", False):
        return 200
    error = outcome.error if isinstance(outcome, Attempt) else outcome
    return error.status_code if error is not None else default


def attempt_and_redirect(
    request: HttpRequest, change: Callable[..., Any], /, *args: Any, back: Any, success: str = "", **kwargs: Any
) -> HttpResponse:
    """Call `change`, then go `back` (a model or a URL) with what happened as a message.

    For actions that re-render nothing (approve, publish, restore ...): the message says either
    `success` or why it was refused.
    """
    outcome = attempt(request, change, *args, **kwargs)
    if not outcome.refused and success:
        messages.success(request, success)
    return redirect(back)
