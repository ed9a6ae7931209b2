"""The user's API tokens as pages: create (the key shown once), list with last use, revoke after confirming."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from teams.confirm import confirmed
from tokens.forms import TokenForm
from tokens.models import ApiToken
from tokens.services import token_create, token_revoke


@login_required
def token_list(request):
    """The caller's tokens, and the form for a new one; after creating, the key, this once."""
    form = TokenForm(request.POST or None)
    key = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        token, key = token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            expires_at=timezone.now() + timedelta(days=days) if days else None,
            read_only=form.cleaned_data["access"] == "read",
        )
        form = TokenForm()
    tokens = ApiToken.objects.for_user(request.user)
    status = 201 if key else (400 if request.method == "POST" else 200)
    return render(request, "tokens/list.html", {"tokens": tokens, "form": form, "key": key}, status=status)


@login_required
@require_POST
def token_revoke_view(request, token_id):
    """Revoke one of the caller's tokens, once confirmed: the first click only asks."""
    token = get_object_or_404(ApiToken.objects.for_user(request.user), pk=token_id)
    back = reverse("tokens:list")
    if not confirmed(request):
        context = {
            "title": f"Revoke token {token.name or token.prefix}",
            "question": f"Revoke the API token “{token.name or token.prefix}” ({token.prefix}…)?",
            "consequence": "Scripts using it are refused from now on, and so are the tokens it created.",
            "button": "Yes, revoke it",
            "action": request.get_full_path(),
            "cancel": back,
        }
        return render(request, "confirm_delete.html", context)
    token_revoke(token=token, by=request.user)
    messages.success(request, f"Token “{token.name or token.prefix}” revoked.")
    return redirect(back)
