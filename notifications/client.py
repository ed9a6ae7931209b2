"""Sending one message to one channel through Apprise (https://appriseit.com/), under the outbound-URL policy.

No ORM here: the caller hands over the decrypted channel URL and the words. What this module adds to Apprise:

- only the services the app offers (`SERVICES`): a chat webhook, a JSON webhook or SMTP, never Apprise's
  local or UDP targets (syslog, D-Bus, desktop pop-ups);
- every host the message would go to is resolved and checked by `core.outbound.OutboundPolicy` before Apprise
  sends: the fixed endpoint of Slack or Discord, the host named in the URL for the others (Mattermost,
  Rocket.Chat, Matrix, Teams Workflows, JSON, the SMTP server). Apprise opens its own connections (requests,
  smtplib) and resolves the name once more, so the address each of its sockets connects to is checked again
  (`core.outbound.connections_checked`): a DNS answer that changes between the two lookups (rebinding) is refused;
- Apprise's own retries are off (the Celery task retries transient failures), its timeouts are the policy's,
  its log is captured and never passed on (its debug lines carry the webhook URL), and a failure is reported
  in plain words with whether retrying may help.
"""

from __future__ import annotations

import logging
import re
import socket
import urllib.parse
from dataclasses import dataclass

import apprise
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.discord import NotifyDiscord
from apprise.plugins.email import NotifyEmail
from apprise.plugins.matrix import NotifyMatrix
from apprise.plugins.mattermost import NotifyMattermost
from apprise.plugins.rocketchat import NotifyRocketChat
from apprise.plugins.slack import NotifySlack
from apprise.plugins.workflows import NotifyWorkflows

from core.outbound import OutboundPolicy, OutboundRefused, connections_checked

# The plugin class of each service the app offers, with its name for people.
SERVICES: dict[type, str] = {
    NotifySlack: "Slack",
    NotifyWorkflows: "Microsoft Teams",
    NotifyMattermost: "Mattermost",
    NotifyDiscord: "Discord",
    NotifyRocketChat: "Rocket.Chat",
    NotifyMatrix: "Matrix",
    NotifyEmail: "E-mail",
    NotifyJSON: "JSON webhook",
}
# Services whose URL names no host: they post to the fixed endpoint their plugin class holds.
FIXED_ENDPOINTS: dict[type, str] = {NotifySlack: "webhook_url", NotifyDiscord: "notify_url"}


# Messages come from devopsboard (Mattermost's and Rocket.Chat's user name), with no Apprise logo or footer.
ASSET = apprise.AppriseAsset(
    app_id="devopsboard", app_desc="devopsboard", app_url="", image_url_mask="", image_url_logo=""
)


class ChannelURLError(ValueError):
    """The text is not a channel URL the app can send to; the message says why, without repeating the URL."""


@dataclass(frozen=True)
class SendFailed(Exception):
    """Apprise could not deliver; `reason` in plain words, `transient` when trying again later may work."""

    reason: str
    transient: bool

    def __str__(self) -> str:
        return self.reason


def channel_plugin(url: str) -> apprise.plugins.NotifyBase:
    """The Apprise plugin for `url`, refused unless it is one of `SERVICES` in a mode the app supports."""
    plugin = apprise.Apprise.instantiate(url.strip(), asset=ASSET, suppress_exceptions=True) if url.strip() else None
    if plugin is None:
        raise ChannelURLError(
            "This is not a channel URL Apprise understands. Paste the service's webhook URL "
            "(https://hooks.slack.com/services/…) or an Apprise URL such as slack://, msteams workflows://, "
            "mmosts://, discord://, rockets://, matrixs://, mailtos:// or jsons://."
        )
    if type(plugin) not in SERVICES:
        offered = ", ".join(SERVICES.values())
        raise ChannelURLError(f"{plugin.service_name} is not offered; use one of: {offered}.")
    if isinstance(plugin, NotifySlack) and plugin.mode != "hook":
        raise ChannelURLError("For Slack, use an incoming webhook URL (https://hooks.slack.com/services/…).")
    return plugin


def service_name(url: str) -> str:
    return SERVICES[type(channel_plugin(url))]


def masked(url: str) -> str:
    """What a page shows of a channel URL: the service and, for a self-hosted one, its host; never a token."""
    plugin = channel_plugin(url)
    if type(plugin) in FIXED_ENDPOINTS:
        return f"{plugin.secure_protocol}://••••••"
    host = plugin.smtp_host if isinstance(plugin, NotifyEmail) else plugin.host
    scheme = plugin.secure_protocol if plugin.secure else plugin.protocol
    scheme = scheme[0] if isinstance(scheme, tuple | list) else scheme
    return f"{scheme}://{host}/••••••"


def _targets(plugin: apprise.plugins.NotifyBase) -> list[tuple[str, str, int]]:
    """(scheme, host, port) of every endpoint the plugin will connect to."""
    if type(plugin) in FIXED_ENDPOINTS:
        parts = urllib.parse.urlsplit(getattr(type(plugin), FIXED_ENDPOINTS[type(plugin)]))
        return [(parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))]
    if isinstance(plugin, NotifyEmail):
        return [("smtp", plugin.smtp_host or plugin.host, int(plugin.port or 25))]
    scheme = "https" if plugin.secure else "http"
    return [(scheme, plugin.host, int(plugin.port or (443 if plugin.secure else 80)))]


def policy_check(plugin: apprise.plugins.NotifyBase, policy: OutboundPolicy) -> set[str]:
    """Refuse (OutboundRefused) a plugin whose endpoint is plain http or an internal address the policy forbids.

    Returns the addresses its hosts resolved to (those of a host the operator allows by name included).
    """
    resolved: set[str] = set()
    for scheme, host, port in _targets(plugin):
        if not host:
            raise OutboundRefused("The channel URL has no host.")
        if scheme != "smtp":
            policy.url_check(f"{scheme}://{host}:{port}/")
        resolved.update(str(info[4][0]) for info in policy.addresses(host, port))
    return resolved


# What Apprise's log says, mapped to plain words; the first that matches wins.
_STATUS = re.compile(r"error=(\d{3})\b")
_CAUSES = [
    (re.compile(r"refused", re.I), "The service refused the connection (nothing listens there).", True),
    (re.compile(r"timed? ?out|timeout", re.I), "The service did not answer in time.", True),
    (re.compile(r"resolve|Name or service not known|getaddrinfo", re.I), "The host name could not be resolved.", True),
    (re.compile(r"certificate|SSL", re.I), "The service's TLS certificate could not be verified.", False),
    (re.compile(r"authenticat|login", re.I), "The service refused the login in the channel URL.", False),
]


def _failure(log: str, *words: str) -> SendFailed:
    """Why Apprise failed, from its log lines; the message's own words are left out (they may say "timeout")."""
    for text in words:
        log = log.replace(text, "")
    log = "\n".join(line for line in log.splitlines() if "Payload" not in line)
    match = _STATUS.search(log)
    if match:
        status = int(match.group(1))
        if status >= 500 or status == 429:
            return SendFailed(f"The service answered HTTP {status} (a problem on its side).", transient=True)
        return SendFailed(
            f"The service refused the message with HTTP {status}: check that the channel URL is still valid.",
            transient=False,
        )
    for pattern, reason, transient in _CAUSES:
        if pattern.search(log):
            return SendFailed(reason, transient=transient)
    return SendFailed("The service did not accept the message.", transient=True)


def send(*, url: str, title: str, body: str, policy: OutboundPolicy | None = None) -> None:
    """Deliver one message to the channel at `url`; raises OutboundRefused, ChannelURLError or SendFailed."""
    policy = policy or OutboundPolicy.from_settings()
    plugin = channel_plugin(url)
    try:
        resolved = policy_check(plugin, policy)
    except socket.gaierror:
        raise SendFailed("The host name could not be resolved.", transient=True) from None
    plugin.socket_connect_timeout = policy.connect_timeout
    plugin.socket_read_timeout = policy.total_timeout
    plugin.verify_certificate = True  # whatever the URL's ?verify=no says: the policy never sends over unchecked TLS
    if hasattr(plugin, "include_image"):
        plugin.include_image = False  # no Apprise logo beside our messages
    if isinstance(plugin, NotifySlack):
        plugin.use_blocks, plugin.include_footer = True, False  # Slack's Block Kit: a header and a section
    if isinstance(plugin, NotifyMatrix):
        plugin.discovery = False  # .well-known discovery would send to a host the check never saw
    notifier = apprise.Apprise(asset=ASSET)
    notifier.add(plugin)
    with (
        apprise.LogCapture(level=logging.DEBUG, fmt="%(message)s") as captured,
        connections_checked(policy, resolved) as refused,
    ):
        delivered = notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
        log = captured.getvalue()
    if refused:
        raise refused[0]
    if not delivered:
        raise _failure(log, title, body)
