"""The report as Markdown, the way a team writes its own self-assessment."""

from core.markdown import markdown_document
from dashboard.report import CAPABILITIES, Finding, Report

GROUPS = {"flow": "Flow", "feedback": "Feedback", "learning": "Continual learning"}
KEY_NAMES = {
    "deployment_frequency": "Deployment frequency",
    "lead_time_for_changes": "Lead time for changes",
    "change_failure_rate": "Change failure rate",
    "time_to_restore": "Time to restore service",
}


def _value(key: dict) -> str:
    if key["value"] is None:
        return "no data"
    unit = {"per_day": "per day", "hours": "h", "ratio": ""}[key["unit"]]
    if key["unit"] == "ratio":
        return f"{round(100 * key['value'])} %"
    return f"{key['value']:.2f} {unit}"


def report_markdown_render(report: Report) -> str:
    """The report as one Markdown document (`templates/dashboard/report.md`)."""
    coverage = report.coverage()
    context = {
        "report": report,
        "keys": [(KEY_NAMES[name], _value(key), key["band"], key["sample_size"]) for name, key in report.dora.items()],
        "ways": _grouped(report.of_status("yes")),
        "not_yet": _grouped(report.of_status("not_yet")),
        "improvements": report.next_improvements(),
        "unknown": report.of_status("unknown"),
        "coverage": coverage,
    }
    return markdown_document("dashboard/report.md", context)


def _grouped(findings: list[Finding]) -> list[tuple[str, list[tuple[Finding, str]]]]:
    """The findings under their group's title, each with its capability's name; groups without any left out."""
    groups = []
    for group, title in GROUPS.items():
        members = [(f, CAPABILITIES[f.capability][0]) for f in findings if f.group == group]
        if members:
            groups.append((title, members))
    return groups
