from typing import Any

from django import forms

from dashboard.models import DashboardSettings, RepositoryBadge, new_badge_salt
from dashboard.report import CHECKLIST
from integrations.definitions import SOURCES
from integrations.models import DeliverySettings, Repository

ANSWERS = [("", "Not answered"), ("yes", "Yes"), ("no", "No")]
SEVERITIES = ("critical", "high", "medium", "low")


class ChecklistForm(forms.Form):
    """The report's questions that data cannot answer."""

    def __init__(self, *args: Any, initial: dict[str, bool] | None = None, **kwargs: Any) -> None:
        kwargs["initial"] = {
            key: ("yes" if value else "no") for key, value in (initial or {}).items() if key in CHECKLIST
        }
        super().__init__(*args, **kwargs)
        for key, (question, _group, _capability) in CHECKLIST.items():
            self.fields[key] = forms.ChoiceField(label=question, choices=ANSWERS, required=False)

    def answers(self) -> dict:
        return {key: value == "yes" for key, value in self.cleaned_data.items() if value}


DELIVERY_FIELDS = ["incident_label", "deploy_workflow", "workflow_trigger", "rollback_hours"]
# DORA's 2023 model, part by part: a form that leaves one out keeps the CONTRACT's default.
MODEL_FIELDS = ["frequency_unit", "lead_time_pulls", "recovery", "benchmarks"]


# The weekly digest's day and hour, in the team's time zone (dashboard.digest).
DIGEST_FIELDS = ["time_zone", "digest_weekday", "digest_hour"]


class DashboardSettingsForm(forms.ModelForm):
    """The dashboard's thresholds and the team's DORA definitions (saved to integrations.DeliverySettings)."""

    sources = forms.MultipleChoiceField(
        choices=list(SOURCES.items()),
        widget=forms.CheckboxSelectMultiple,
        label="What counts as a deployment (DORA)",
        help_text="Each source chosen adds its own deployments: pick one per rollout, or it counts twice.",
    )
    environments = forms.CharField(
        max_length=500,
        help_text="Comma-separated GitHub environments whose successful deployments count for DORA.",
    )
    badge_repositories = forms.ModelMultipleChoiceField(
        queryset=Repository.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Repositories with a CI badge",
        help_text="Each gets badge URLs with its own token; a repository left out has no badge at all.",
    )
    regenerate_badge_token = forms.BooleanField(required=False, help_text="Revokes every badge URL handed out so far.")

    class Meta:
        model = DashboardSettings
        fields = ["stale_pr_days", *DIGEST_FIELDS]
        delivery_labels = {
            "deploy_workflow": "Workflow whose runs count as deployments",
            "workflow_trigger": "Count the workflow's successful runs",
            "rollback_hours": "Rollback or hotfix window (hours)",
            "frequency_unit": "Deployment frequency",
            "lead_time_pulls": "Lead time counts",
            "recovery": "Recovery time",
            "benchmarks": "Bands (elite, high, medium, low) from",
        }
        labels = {
            "stale_pr_days": "Open pull requests are stale after (days)",
            "time_zone": "Team time zone",
            "digest_weekday": "Weekly digest day",
            "digest_hour": "Weekly digest hour",
        }
        delivery_help_texts = {
            "deploy_workflow": "Its name as GitHub shows it, e.g. Deploy. Used when “Runs of a workflow” is ticked.",
            "rollback_hours": "A pull request titled “Revert …” or naming a hotfix or rollback (or on a revert-/hotfix "
            "branch), merged within this many hours of a deployment and before the next, marks it failed. 0: off.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.delivery = DeliverySettings.of(self.instance.team)
        self.fields.update(
            forms.fields_for_model(
                DeliverySettings,
                fields=DELIVERY_FIELDS + MODEL_FIELDS,
                labels=self.Meta.delivery_labels,
                help_texts=self.Meta.delivery_help_texts,
            )
        )
        for name in DELIVERY_FIELDS + MODEL_FIELDS:
            self.fields[name].initial = getattr(self.delivery, name)
        for name in MODEL_FIELDS + DIGEST_FIELDS:
            self.fields[name].required = False
        self.fields["environments"].initial = ", ".join(self.delivery.deploy_environments)
        self.fields["sources"].initial = list(self.delivery.deploy_sources)
        # The order people read the page in: thresholds, then what counts as a deployment.
        self.order_fields(
            ["stale_pr_days", *DELIVERY_FIELDS[:1], "sources", "environments", *DELIVERY_FIELDS[1:], *MODEL_FIELDS]
            + DIGEST_FIELDS
        )
        badge_repositories = self.fields["badge_repositories"]
        assert isinstance(badge_repositories, forms.ModelMultipleChoiceField)
        badge_repositories.queryset = Repository.objects.for_team(self.instance.team).order_by("full_name")
        badge_repositories.initial = list(
            RepositoryBadge.objects.for_team(self.instance.team).values_list("repository_id", flat=True)
        )
        for severity in SEVERITIES:
            self.fields[f"sla_{severity}"] = forms.IntegerField(
                label=f"SLA for {severity} alerts (days)",
                min_value=1,
                max_value=3650,
                initial=self.instance.alert_sla_days.get(severity),
            )

    def _kept(self, name: str) -> Any:
        """A digest field left out of the form keeps its stored value (older clients post without them)."""
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value in (None, "") else value

    def clean_time_zone(self):
        return self._kept("time_zone")

    def clean_digest_weekday(self):
        return self._kept("digest_weekday")

    def clean_digest_hour(self):
        return self._kept("digest_hour")

    def clean_environments(self):
        names = [name.strip() for name in self.cleaned_data["environments"].split(",") if name.strip()]
        if not names:
            raise forms.ValidationError("Name at least one environment, e.g. production.")
        return names

    def clean(self):
        data = super().clean() or {}
        if "workflow" in (data.get("sources") or []) and not (data.get("deploy_workflow") or "").strip():
            self.add_error("deploy_workflow", "Name the workflow whose runs count, e.g. Deploy.")
        return data

    def save(self, commit=True):
        settings = super().save(commit=False)
        delivery = self.delivery
        for name in DELIVERY_FIELDS:
            setattr(delivery, name, self.cleaned_data[name])
        for name in MODEL_FIELDS:
            setattr(delivery, name, self.cleaned_data[name] or getattr(DeliverySettings(), name))
        delivery.deploy_sources = [name for name in SOURCES if name in self.cleaned_data["sources"]]
        delivery.deploy_workflow = delivery.deploy_workflow.strip()
        delivery.deploy_environments = self.cleaned_data["environments"]
        settings.alert_sla_days = {s: self.cleaned_data[f"sla_{s}"] for s in SEVERITIES}
        if self.cleaned_data["regenerate_badge_token"]:
            settings.badge_salt = new_badge_salt()
        if commit:
            settings.save()
            delivery.save()
            self._save_badges()
        return settings

    def _save_badges(self) -> None:
        """Publish the chosen repositories' badges and withdraw the others; a new token renews every salt."""
        chosen = list(self.cleaned_data["badge_repositories"])
        RepositoryBadge.objects.for_team(self.instance.team).exclude(repository__in=chosen).delete()
        for repository in chosen:
            badge, created = RepositoryBadge.objects.get_or_create(repository=repository)
            if self.cleaned_data["regenerate_badge_token"] and not created:
                badge.salt = new_badge_salt()
                badge.save(update_fields=["salt"])
