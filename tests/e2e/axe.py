"""axe-core (shipped inside axe-playwright-python, injected by Playwright, no CDN) on a page."""

from axe_playwright_python.sync_playwright import Axe

BLOCKING = ("serious", "critical")
_axe = Axe()


def blocking_violations(page) -> list[str]:
    """Run axe on the page as it is and describe each serious or critical violation, one per line."""
    results = _axe.run(page)
    return [
        f"{violation['impact']} {violation['id']} ({violation['help']}): "
        + " | ".join(node["html"][:200] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]
