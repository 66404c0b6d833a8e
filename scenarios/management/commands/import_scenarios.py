"""``manage.py import_scenarios PATH...``: create or update scenarios from YAML files or folders."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scenarios.importer import ScenarioImportError
from scenarios.services import scenario_import_paths


class Command(BaseCommand):
    help = (
        "Import scenarios from YAML files or folders (their *.yaml / *.yml files). Scenarios are matched "
        "on their key, so importing a file again updates them. All or nothing: one broken file imports nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="YAML files or folders")
        parser.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
        parser.add_argument("--publish", action="store_true", help="publish every imported scenario")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = scenario_import_paths(
                paths=options["paths"], publish=options["publish"], dry_run=options["dry_run"]
            )
        except ScenarioImportError as exc:
            raise CommandError(f"Nothing was imported.\n{exc}") from exc
        for item in result.plan:
            detail = f" ({', '.join(item.changes) or 'no changes'})" if item.action == "update" else ""
            self.stdout.write(f"{item.action:6} {item.slug}  {item.data.title}{detail}")
        verb = "Would import" if result.dry_run else "Imported"
        summary = f"{verb} {len(result.plan)}: {len(result.created)} created, {len(result.updated)} updated."
        self.stdout.write(self.style.SUCCESS(summary))
