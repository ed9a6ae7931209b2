"""Credentials of a connection turned into an authenticated GitHub client (PAT or GitHub App installation token)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from integrations.github.client import BadCredentials, GitHubClient, NotFound, installation_token_create
from integrations.models import Connection

TOKEN_REFRESH_MARGIN = timedelta(minutes=5)


def connection_token(*, connection: Connection, force_refresh: bool = False) -> str:
    """Return a token for API calls: the PAT, or a fresh installation token of the GitHub App (stored encrypted)."""
    if connection.auth_kind == Connection.AuthKind.TOKEN:
        return connection.token
    expires = connection.installation_token_expires_at
    if (
        force_refresh
        or not connection.installation_token
        or not expires
        or expires - timezone.now() < TOKEN_REFRESH_MARGIN
    ):
        try:
            token, expires_at = installation_token_create(
                api_url=connection.api_url,
                app_id=connection.app_id,
                private_key=connection.app_private_key,
                installation_id=connection.installation_id,
            )
        except BadCredentials:
            raise BadCredentials(
                "GitHub refused the GitHub App's credentials: check the app id and its private key "
                "(a key deleted in the App's settings stops working)."
            ) from None
        except NotFound:
            raise NotFound(
                f"GitHub has no installation {connection.installation_id} of App {connection.app_id}: "
                "check the installation id (in the URL of the installation's settings page)."
            ) from None
        connection.installation_token = token
        connection.installation_token_expires_at = expires_at
        if connection.pk:  # a connection being created is saved by repository_connect
            connection.save(update_fields=["installation_token", "installation_token_expires_at"])
    return connection.installation_token


def github_client(
    *, connection: Connection, force_refresh: bool = False, retries: int | None = None, retry_timeouts: bool = True
) -> GitHubClient:
    """Build the HTTP client of a connection (throttling and retry backoff come from settings)."""
    return GitHubClient(
        api_url=connection.api_url,
        token=connection_token(connection=connection, force_refresh=force_refresh),
        reserve=settings.GITHUB_RATE_LIMIT_RESERVE,
        graphql_reserve=settings.GITHUB_GRAPHQL_RESERVE,
        retries=settings.GITHUB_RETRIES if retries is None else retries,
        backoff=settings.GITHUB_RETRY_BACKOFF,
        seconds_between_requests=settings.GITHUB_SECONDS_BETWEEN_REQUESTS,
        timeout=settings.GITHUB_TIMEOUT,
        retry_timeouts=retry_timeouts,
    )
