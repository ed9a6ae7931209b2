"""The report as Markdown, the way a team writes its own self-assessment."""

from dashboard.report import CAPABILITIES, Report

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
    lines = [
        f"# How DevOps are we? — {report.team}",
        "",
        f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC from the last {report.days} days of our board,"
        " GitHub data, postmortems and retros. Every line says where it comes from.",
        "",
        "## DORA keys",
        "",
        "| key | value | band | sample |",
        "|---|---|---|---|",
    ]
    for name, key in report.dora.items():
        lines.append(f"| {KEY_NAMES[name]} | {_value(key)} | {key['band'] or '—'} | {key['sample_size']} |")
    lines += ["", "## Ways we are DevOps", ""]
    lines += _grouped(report.of_status("yes"))
    lines += ["", "## Ways we are not DevOps yet", ""]
    lines += _grouped(report.of_status("not_yet"))
    lines += ["", "## Next improvements", ""]
    improvements = report.next_improvements()
    lines += [f"{i}. {item['suggestion']} ({item['because']})" for i, item in enumerate(improvements, 1)] or [
        "Nothing the data points at. Answer the checklist for what it cannot see."
    ]
    unknown = report.of_status("unknown")
    if unknown:
        lines += ["", "## Not known yet", ""]
        lines += [f"- {f.capability_name}: {f.evidence}" for f in unknown]
    coverage = report.coverage()
    lines += [
        "",
        "## Capabilities",
        "",
        f"The data answers {coverage['from_data']} and the checklist {coverage['answered'] - coverage['from_data']}"
        f" of DORA's {coverage['catalog']} capabilities.",
        "",
    ]
    return "\n".join(lines) + "\n"


def _grouped(findings) -> list[str]:
    if not findings:
        return ["None yet."]
    lines = []
    for group, title in GROUPS.items():
        members = [f for f in findings if f.group == group]
        if members:
            lines.append(f"**{title}**")
            lines.append("")
            lines += [f"- {f.evidence} *({CAPABILITIES[f.capability][0]}; {f.source})*" for f in members]
            lines.append("")
    return lines
