"""A real SMTP server in the test process (aiosmtpd): the app sends through Django's SMTP backend to it."""

import email
import email.policy
import re
import socket
import time
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    """The messages the server received, as parsed e-mails."""

    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float = 10) -> email.message.EmailMessage:
        """The first message to `to`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if to in message["To"]:
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no mail to {to} arrived; got {[m['To'] for m in self.messages]}")

    @staticmethod
    def link_in(message, path_prefix: str) -> str:
        body = message.get_body(preferencelist=("plain",)).get_content()
        found = re.search(rf"https?://\S+{re.escape(path_prefix)}\S*", body)
        assert found, f"no {path_prefix} link in:\n{body}"
        return found.group(0)


@pytest.fixture
def smtp_inbox(settings):
    """Start an SMTP server on loopback and point the app's mail at it (as EMAIL_URL=smtp://... would)."""
    inbox = Inbox()
    with socket.socket() as probe:  # a free port: aiosmtpd checks readiness by connecting, so not 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
