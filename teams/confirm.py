"""Destructive actions ask first: the first click answers with a question, the confirming POST acts.

The confirming POST carries `confirm=yes`, sent by templates/_confirm_delete.html (kanban, teams)
and templates/integrations/remove.html. Anything else, a GET or another value, only asks.
"""

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


def confirmed(request) -> bool:
    """Whether `request` is the POST that confirms a destructive action."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE
