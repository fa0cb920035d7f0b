from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pit_site.pages.export import export_content
from pit_site.pages.models import Page
from pit_site.references.bibliography import export_bibliography


class Command(BaseCommand):
    help = (
        "Write every page in the database to content/ as Markdown with YAML front matter, so "
        "edits made in the admin can be committed. Only changed files are written; --prune "
        "also deletes files whose page is no longer in the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.CONTENT_DIR), help="content folder")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="delete files whose page is no longer in the database (deleted or moved)",
        )

    def handle(self, *args, dir, prune, **options):
        root = Path(dir)
        if root.exists() and not root.is_dir():
            raise CommandError(f"{root} exists but is not a folder")
        if prune and not Page.objects.exists():
            raise CommandError("the database has no pages: --prune would delete every file")
        try:
            root.mkdir(parents=True, exist_ok=True)
            report = export_content(root, prune=prune)
            written, unchanged = export_bibliography(root.resolve())
        except OSError as error:
            raise CommandError(f"could not write to {root}: {error}") from None
        report.written += written
        report.unchanged += unchanged
        for name in report.written:
            if options["verbosity"] >= 2:
                self.stdout.write(f"written: {name}")
        for name in report.removed:
            self.stdout.write(f"removed: {name} (its page is no longer in the database)")
        hint = "" if prune else " (--prune removes it)"
        for name in report.orphans:
            self.stderr.write(
                self.style.WARNING(
                    f"note: {name} matches no page in the database; left in place{hint}"
                )
            )
        summary = f"{len(report.written)} written, {len(report.unchanged)} unchanged"
        if prune:
            summary += f", {len(report.removed)} removed"
        self.stdout.write(summary)
