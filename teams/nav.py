"""How an app declares its place in a team's navigation (set `nav = NavEntry(...)` on its AppConfig)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str  # a URL name taking `team`: the area's first page
    namespaces: tuple[str, ...]  # URL namespaces whose pages belong to the area (marks the tab current)
    order: int = 100
