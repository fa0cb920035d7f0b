from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from pit_site.pages.content import load_content
from pit_site.references.bibliography import load_bibliography


class Command(BaseCommand):
    help = (
        "Import the Markdown pages in content/ into the database. Safe to run again: pages "
        "edited in the admin since their last import are reported as conflicts and kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.CONTENT_DIR), help="content folder")
        parser.add_argument(
            "--force", action="store_true", help="overwrite pages edited in the database"
        )

    def handle(self, *args, dir, force, **options):
        root = Path(dir)
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder")
        # The register first: pages cite it, and an unknown key is an error in the page.
        references = load_bibliography(root.resolve(), force=force)
        report = load_content(root, force=force)
        report.errors[:0] = references.errors
        for name, message in report.errors:
            self.stderr.write(self.style.ERROR(f"error: {name}: {message}"))
        for name in report.conflicts:
            self.stderr.write(
                self.style.WARNING(
                    f"conflict: {name}: the page was changed in the database since it was "
                    "last loaded; kept the database version (use --force to overwrite)"
                )
            )
        for key in references.conflicts:
            self.stderr.write(
                self.style.WARNING(
                    f"conflict: bibliography.yaml: {key}: the reference was changed in the "
                    "database since it last matched the file; kept the database version (use "
                    "--force to overwrite)"
                )
            )
        if references.created or references.updated or references.unchanged:
            self.stdout.write(
                f"references: {len(references.created)} created, {len(references.updated)} "
                f"updated, {len(references.unchanged)} unchanged, "
                f"{len(references.conflicts)} conflicts"
            )
        self.stdout.write(
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.conflicts)} conflicts, "
            f"{len(report.errors)} errors"
        )
        if report.errors:
            count = len(report.errors)
            raise CommandError(
                ngettext("%d file could not be loaded", "%d files could not be loaded", count)
                % count
            )
