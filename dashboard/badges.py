"""Status badges as SVG for READMEs, in the flat style people know from shields.io."""

from django.utils.html import escape

COLOURS = {
    "passing": "#2c7a3f",
    "failing": "#b42318",
    "running": "#946200",
    "unknown": "#6b7280",
    "elite": "#2c7a3f",
    "high": "#3b7d23",
    "medium": "#946200",
    "low": "#b42318",
}
LABEL_COLOUR = "#4b5563"


def _width(text: str) -> int:
    # Verdana 11px averages ~6.5 px a character; 10 px padding each side.
    return int(len(text) * 6.5) + 20


def badge_svg(*, label: str, message: str, state: str) -> str:
    """A two-part badge: `label` on grey, `message` on the colour of `state`."""
    left, right = _width(label), _width(message)
    total = left + right
    colour = COLOURS.get(state, COLOURS["unknown"])
    label, message = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{label}: {message}"><title>{label}: {message}</title>'
        f'<rect width="{left}" height="20" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14">{label}</text><text x="{left + right / 2}" y="14">{message}</text></g></svg>'
    )
