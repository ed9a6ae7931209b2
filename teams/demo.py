"""How an app declares its demo data (set `demo = DemoData(...)` on its AppConfig, as it sets `nav`).

`seed_demo` runs every declared one, by `order`. This app does not know which apps sit above it.
"""

from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class DemoData:
    module: str  # a module with `seed(*, team, user, stdout)`; imported when the command runs, not while apps load
    order: int = 100

    def seed(self, **kwargs) -> None:
        import_module(self.module).seed(**kwargs)
