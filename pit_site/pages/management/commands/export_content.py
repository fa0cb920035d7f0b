from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pit_site.pages.export import export_content


class Command(BaseCommand):
    help = (
        "Write every page in the database to content/ as Markdown with YAML front matter, so "
        "edits made in the admin can be committed. Only changed files are written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.CONTENT_DIR), help="content folder")

    def handle(self, *args, dir, **options):
        root = Path(dir)
        if root.exists() and not root.is_dir():
            raise CommandError(f"{root} exists but is not a folder")
        try:
            root.mkdir(parents=True, exist_ok=True)
            report = export_content(root)
        except OSError as error:
            raise CommandError(f"could not write to {root}: {error}") from None
        for name in report.written:
            if options["verbosity"] >= 2:
                self.stdout.write(f"written: {name}")
        for name in report.orphans:
            self.stderr.write(
                self.style.WARNING(f"note: {name} matches no page in the database; left in place")
            )
        self.stdout.write(f"{len(report.written)} written, {len(report.unchanged)} unchanged")
