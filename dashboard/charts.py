"""Small weekly bar charts drawn as inline SVG by the server: no script, and the same after an htmx refresh."""

from collections.abc import Sequence
from dataclasses import dataclass

BAR_WIDTH = 6
WEEK_GAP = 4
HEIGHT = 40


@dataclass(frozen=True)
class Bar:
    x: int
    y: float
    height: float
    series: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    label: str


def weekly_bars(
    weeks: Sequence[dict], series: dict[str, str], *, label: str, unit: str = "", height: int = HEIGHT
) -> Chart:
    """One bar per series per week, scaled to the largest value; an empty week draws no bar.

    `series` maps each key of a week to its name (the bar's tooltip); `label` starts the chart's
    accessible name, which lists every week's figures so a screen reader hears what the eye sees.
    """
    top = max((week[key] or 0 for week in weeks for key in series), default=0) or 1
    step = BAR_WIDTH * len(series) + WEEK_GAP
    bars = []
    spoken = []
    for i, week in enumerate(weeks):
        parts = []
        for j, (key, name) in enumerate(series.items()):
            value = week[key]
            shown = "—" if value is None else f"{value:g}{unit}"
            parts.append(f"{name} {shown}" if len(series) > 1 else shown)
            if value:
                size = max(1.0, round(height * value / top, 1))
                title = f"Week of {week['starts']:%b %d}: {name} {shown}"
                bars.append(Bar(x=i * step + j * BAR_WIDTH, y=height - size, height=size, series=key, title=title))
        spoken.append(" ".join(parts))
    return Chart(
        width=max(step * len(weeks) - WEEK_GAP, 1), height=height, bars=bars, label=f"{label}: {'; '.join(spoken)}"
    )
