"""Tasks sent by name reach a registered task in every process, the web's included."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

SENT_BY_NAME = re.compile(r'(?:task_(?:enqueue|send)\(\s*|_TASK = )"([a-z_]+\.[a-z_]+)"')


def _names_sent() -> set[str]:
    root = Path(settings.BASE_DIR)
    names = set()
    for path in root.glob("*/**/*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in ("node_modules", "var", ".venv", "benchmarks", "fakes") or "tests" in parts:
            continue
        names |= set(SENT_BY_NAME.findall(path.read_text()))
    return names


def test_every_task_sent_by_name_is_registered_in_a_fresh_web_process():
    script = (
        "import django, json; django.setup(); from celery import current_app; "
        "print(json.dumps(sorted(current_app.tasks)))"
    )
    env = {"DJANGO_DEBUG": "1", **os.environ, "DJANGO_SETTINGS_MODULE": "devopsboard.settings"}
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    registered = set(json.loads(out.stdout.strip().splitlines()[-1]))
    sent = _names_sent()
    assert "postmortems.process_alert_notification" in sent and "github.sync_repository" in sent
    assert sent - registered == set()
