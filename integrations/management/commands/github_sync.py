"""Sync connected repositories now, in the foreground, with progress; print what changed."""

from django.core.management.base import BaseCommand, CommandError

from integrations.github.client import GitHubError, RateLimited
from integrations.github.sync import SyncSkipped, repository_sync
from integrations.models import Repository

BAR_WIDTH = 24


class Command(BaseCommand):
    help = "Run a GitHub sync now with progress; print what changed; exit non-zero with the reason on failure."

    def add_arguments(self, parser):
        parser.add_argument("--team", help="Only this team's repositories (slug).")
        parser.add_argument("--repo", help="Only this repository (OWNER/NAME).")
        parser.add_argument("--full", action="store_true", help="Re-read everything, ignoring watermarks and ETags.")

    def handle(self, *args, team=None, repo=None, full=False, **options):
        repositories = Repository.objects.select_related("connection", "team").order_by("team__slug", "full_name")
        if team:
            repositories = repositories.filter(team__slug=team)
        if repo:
            repositories = repositories.filter(full_name__iexact=repo.strip("/"))
        chosen = list(repositories)
        if not chosen:
            where = f" in team {team}" if team else ""
            if repo:
                raise CommandError(f"No connected repository {repo}{where}; connect it first with github_connect.")
            raise CommandError(f"No connected repositories{where}.")
        failures = []
        for repository in chosen:
            label = f"{repository.team.slug}/{repository.full_name}" if not team else repository.full_name
            try:
                result = repository_sync(repository=repository, full=full, progress=self._progress(label))
            except SyncSkipped as error:
                self._end_line()
                self.stdout.write(self.style.WARNING(str(error)))
                continue
            except RateLimited as error:
                self._end_line()
                failures.append(f"{repository.full_name}: {error.message}")
                continue
            except GitHubError as error:
                self._end_line()
                failures.append(f"{repository.full_name}: {error.message}")
                continue
            self._end_line()
            requests = sum(result.requests.values())
            not_modified = sum(result.not_modified.values())
            self.stdout.write(
                self.style.SUCCESS(f"{repository.full_name}: {result.summary()}")
                + f" ({requests} requests, {not_modified} answered 304 Not Modified;"
                f" rate limit left {repository.rate_limit_remaining})"
            )
            for warning in result.warnings:
                self.stdout.write(self.style.WARNING(f"  {warning}"))
        if failures:
            raise CommandError(" | ".join(failures))

    def _progress(self, label: str):
        def show(progress: dict):
            step = progress.get("step", "")
            done = len(progress.get("done", []))
            filled = min(BAR_WIDTH, done * BAR_WIDTH // 7)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            detail = f"{progress.get('pages', 0)} pages, {progress.get('items', 0)} items"
            if step == "done":
                bar, detail = "#" * BAR_WIDTH, "finished"
            elif step == "pull_details":
                detail = f"{progress.get('items', 0)}/{progress.get('total', 0)} pull requests"
            line = f"\r{label} [{bar}] {step:<14} {detail} · {progress.get('requests', 0)} requests"
            self.stdout.write(line.ljust(100), ending="")
            self.stdout.flush()
            self._open_line = True

        return show

    def _end_line(self):
        if getattr(self, "_open_line", False):
            self.stdout.write("")
            self._open_line = False
