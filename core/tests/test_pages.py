"""The page helper: a service's refusal goes on the form, into the messages or inline, with the right status."""

from typing import Any

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from core.errors import ConflictError, DomainError
from core.pages import attempt, attempt_and_redirect, refusal_status


def page_request(*, htmx: bool = False) -> Any:
    """A POST as the middleware leaves it: htmx details and a message store set."""
    headers = {"HX-Request": "true"} if htmx else {}
    request: Any = RequestFactory().post("/t/demo/somewhere/", headers=headers)
    request.htmx = HtmxDetails(request)
    request._messages = CookieStorage(request)
    return request


def refuse(*, why: str, error: type[DomainError] = DomainError) -> None:
    raise error(why)


def messages_of(request) -> list[str]:
    return [str(message) for message in get_messages(request)]


class NameForm(forms.Form):
    name = forms.CharField()


def test_a_change_that_goes_through_returns_its_value_and_says_nothing():
    request = page_request()
    outcome = attempt(request, lambda *, name: name.upper(), name="ops")
    assert (outcome.value, outcome.refused, outcome.detail) == ("OPS", False, "")
    assert messages_of(request) == []


def test_a_refusal_goes_on_the_form_when_the_page_re_renders_one():
    request = page_request()
    form = NameForm({"name": "ops"})
    assert form.is_valid()
    outcome = attempt(request, refuse, why="That name is taken.", on_form=form)
    assert outcome.refused and outcome.detail == "That name is taken."
    assert form.non_field_errors() == ["That name is taken."]
    assert messages_of(request) == []


def test_a_refusal_without_a_form_becomes_a_message_unless_the_view_shows_it_inline():
    request = page_request()
    attempt(request, refuse, why="Not now.")
    assert messages_of(request) == ["Not now."]
    quiet = page_request()
    assert attempt(quiet, refuse, why="Not now.", inline=True).detail == "Not now."
    assert messages_of(quiet) == []


def test_the_status_is_the_errors_own_for_a_plain_request_and_200_for_htmx():
    conflict = attempt(page_request(), refuse, why="Busy.", error=ConflictError)
    assert refusal_status(page_request(), conflict) == 409
    assert refusal_status(page_request(htmx=True), conflict) == 200
    assert refusal_status(page_request()) == 400  # a form that did not validate
    assert refusal_status(page_request(), ConflictError("Busy.")) == 409


def test_an_action_without_a_page_of_its_own_goes_back_with_what_happened():
    request = page_request()
    response = attempt_and_redirect(request, lambda: None, back="/t/demo/", success="Done.")
    assert (response.status_code, response["Location"], messages_of(request)) == (302, "/t/demo/", ["Done."])
    refused = page_request()
    response = attempt_and_redirect(refused, refuse, why="Not now.", back="/t/demo/", success="Done.")
    assert (response.status_code, messages_of(refused)) == (302, ["Not now."])
