from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from pit_site.pages.content import ContentError, parse_file
from pit_site.pages.models import Kind
from pit_site.pages.quality import content_problems
from pit_site.pages.readability import prose_text, reading_grade
from pit_site.pages.rendering import RenderError, render_markdown
from pit_site.references.bibliography import file_register


class Command(BaseCommand):
    help = "Check content/ against the content guide: reading grade, overclaims, clinic details."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.CONTENT_DIR), help="content folder")

    def handle(self, *args, dir, **options):
        root = Path(dir)
        failures = 0
        try:
            register = file_register(root)  # citations are checked against the folder's file
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{'page':<40} {'grade':>5} {'words':>6}")
        for file in sorted(root.rglob("*.md"), key=lambda f: str(f.relative_to(root))):
            try:
                values = parse_file(file, root)
            except ContentError as error:
                failures += 1
                self.stderr.write(f"error: {file.relative_to(root)}: {error}")
                continue
            try:
                html = render_markdown(
                    values["body"], faq=values["kind"] == Kind.FAQ, register=register
                )
            except RenderError as error:
                failures += 1
                self.stderr.write(f"error: {file.relative_to(root)}: {error}")
                continue
            words = len(prose_text(html).split())
            self.stdout.write(f"/{values['path']:<39} {reading_grade(html):>5} {words:>6}")
            for problem in content_problems(
                values["title"], values["summary"], values["body"], html
            ):
                failures += 1
                self.stderr.write(f"  {file.relative_to(root)}: {problem}")
        if failures:
            raise CommandError(
                ngettext("%d problem found", "%d problems found", failures) % failures
            )
