"""What a team counts as a deployment and as an incident: the choices behind DORA's keys (pure, no queries).

A team stores its choices as `DeliverySettings` (integrations.models); `integrations.delivery` and
`postmortems.incidents` read the rows those choices select, for every page, panel, badge and API.
"""

from dataclasses import dataclass

SOURCES = {
    "deployments": "GitHub deployments",
    "workflow": "Runs of a workflow",
    "releases": "Published releases",
}
TRIGGERS = {"default_branch": "on the default branch", "tags": "on version tags"}
# DORA's 2023 model, each part a choice beside the CONTRACT's default (the first of each).
FREQUENCY_UNITS = {
    "per_day": "Deployments per day",
    "days_per_week": "Deployment days per week (DORA 2023)",
    "days_per_month": "Deployment days per month (DORA 2023)",
}
RECOVERY = {
    "incidents": "Time to restore: incidents, opened to closed",
    "failed_deployments": "Failed deployment recovery time: a failed deployment to the next one (DORA 2023)",
}
LEAD_TIME_PULLS = {
    "merged": "Pull requests merged in the period",
    "deployed": "Pull requests deployed in the period (DORA 2023)",
}
BENCHMARKS = {"2023": "DORA's 2023 report", "2021": "DORA's 2021 report"}


@dataclass(frozen=True)
class DoraDefinitions:
    environments: tuple[str, ...] = ("production",)
    incident_label: str = "incident"
    # What counts as a deployment: any of SOURCES; the default is the CONTRACT's.
    sources: tuple[str, ...] = ("deployments",)
    workflow: str = ""  # the workflow whose runs count, with "workflow" in `sources`
    workflow_trigger: str = "default_branch"  # or "tags" (TRIGGERS)
    # A rollback or hotfix merged within this many hours of a deployment marks it failed; 0: not counted.
    rollback_hours: int = 0
    frequency_unit: str = "per_day"  # FREQUENCY_UNITS
    recovery: str = "incidents"  # RECOVERY
    lead_time_pulls: str = "merged"  # LEAD_TIME_PULLS
    benchmarks: str = "2023"  # BENCHMARKS: whose thresholds name the bands

    def deployment_text(self) -> str:
        """What counts as a deployment, in the words the dashboard shows."""
        parts = []
        if "deployments" in self.sources:
            environments = ", ".join(self.environments)
            parts.append(f"a GitHub deployment to {environments} whose statuses include success, at that status")
        if "workflow" in self.sources and self.workflow:
            trigger = TRIGGERS.get(self.workflow_trigger, "")
            parts.append(f"a successful run of the workflow “{self.workflow}” {trigger}, when it finished")
        if "releases" in self.sources:
            parts.append("a published release (no drafts or prereleases), when it was published")
        return "; or ".join(parts) or "nothing (no deployment source chosen)"

    def incident_text(self) -> str:
        """What counts as an incident, in the words the dashboard shows."""
        return (
            f"an issue (not a pull request) labelled “{self.incident_label}”, or a postmortem "
            "(Alertmanager incidents are postmortems: each counts once)"
        )

    def model_text(self) -> str:
        """The parts of DORA's 2023 model the team chose, in words; empty with the CONTRACT's defaults."""
        parts = []
        if self.frequency_unit != "per_day":
            parts.append(FREQUENCY_UNITS.get(self.frequency_unit, "").removesuffix(" (DORA 2023)").lower())
        if self.lead_time_pulls != "merged":
            parts.append("lead time of the pull requests deployed in the period")
        if self.recovery != "incidents":
            parts.append("recovery time from a failed deployment to the next one")
        if self.benchmarks != "2023":
            parts.append(f"bands from {BENCHMARKS.get(self.benchmarks, self.benchmarks)}")
        return "; ".join(parts)

    def rollback_text(self) -> str:
        if not self.rollback_hours:
            return ""
        return (
            f"a pull request merged within {self.rollback_hours} h of it, before the next deployment, whose title "
            "starts with “Revert” or names a hotfix or rollback (or whose branch starts with revert- or hotfix)"
        )
