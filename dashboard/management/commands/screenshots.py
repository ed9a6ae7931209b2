"""Render every main page of the demo team at desk and phone size into var/screenshots/ (`make screenshots`).

Starts the development server on a free port against the configured database (seed it first: `make
screenshots` runs seed_demo), logs in as demo / demo in Debian's Chromium (Playwright) and saves one
PNG per page and size. The folder is not committed; it is for reviewing the look of a change.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.announce import wait_until_serving
from kanban.models import Board, Card
from postmortems.models import Postmortem
from retros.models import Retro

SIZES = {"desk": (1440, 900), "phone": (390, 844)}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def main_pages(team: str = "demo") -> dict[str, str]:
    """Name → path of every main page of the demo team."""
    board = Board.objects.filter(team__slug=team).order_by("id").first()
    if board is None:
        raise CommandError("No demo data: run `python manage.py seed_demo` first.")
    postmortem = Postmortem.objects.filter(team__slug=team).order_by("-id").first()
    retro = Retro.objects.filter(team__slug=team).order_by("id").first()
    card = Card.objects.filter(board=board).order_by("id").first()
    pages = {
        "team-home": f"/t/{team}/",
        "report": f"/t/{team}/report/",
        "dora-trends": f"/t/{team}/dora/trends/",
        "board": board.get_absolute_url(),
        "board-flow": f"/t/{team}/board/{board.pk}/flow/",
        "board-settings": f"/t/{team}/board/{board.pk}/settings/",
        "postmortems": f"/t/{team}/postmortems/",
        "retros": f"/t/{team}/retros/",
        "github": f"/t/{team}/github/",
        "webhooks": f"/t/{team}/github/webhooks/",
        "pull-requests": f"/t/{team}/data/pulls/",
        "search": f"/t/{team}/search/?q=deploy",
        "members": f"/t/{team}/members/",
        "teams": "/t/",
        "api-docs": "/api/docs/",
    }
    if card is not None:
        pages["card"] = card.get_absolute_url()
    if postmortem is not None:
        pages["postmortem"] = postmortem.get_absolute_url()
        pages["postmortem-print"] = f"/t/{team}/postmortems/{postmortem.pk}/print/"
    if retro is not None:
        pages["retro"] = retro.get_absolute_url()
    return pages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Command(BaseCommand):
    help = "Screenshot every main page of the demo team at 1440×900 and 390×844 into var/screenshots/."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(settings.BASE_DIR / "var" / "screenshots"))

    def handle(self, *args, out, **options):
        from playwright.sync_api import sync_playwright

        pages = main_pages()
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if not wait_until_serving(url, timeout=60):
                raise CommandError("The development server did not start; try `make run` to see why.")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
                for size, (width, height) in SIZES.items():
                    folder = Path(out) / size
                    folder.mkdir(parents=True, exist_ok=True)
                    context = browser.new_context(base_url=url, viewport={"width": width, "height": height})
                    page = context.new_page()
                    page.goto("/accounts/login/")
                    page.get_by_label("Username").fill("demo")
                    page.get_by_label("Password").fill("demo")
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_load_state()
                    for name, path in pages.items():
                        page.goto(path)
                        page.wait_for_load_state("networkidle")
                        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
                    context.close()
                    self.stdout.write(f"{len(pages)} pages at {width}×{height} in {folder}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
