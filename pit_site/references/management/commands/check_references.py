from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from pit_site.references.checks import TIMEOUT_SECONDS, WORKERS, check_all
from pit_site.references.models import CheckStatus, Reference


class Command(BaseCommand):
    help = (
        "Check every reference's DOI, PubMed and web links over HTTP, record the result on "
        "each reference (shown in the admin) and list the broken ones. Exits with status 1 "
        "when some are broken. Run weekly from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="*", help="check only these references")
        parser.add_argument(
            "--timeout", type=float, default=TIMEOUT_SECONDS, help="seconds to wait per link"
        )
        parser.add_argument(
            "--workers", type=int, default=WORKERS, help="links checked at the same time (1-8)"
        )

    def handle(self, *args, keys, timeout, workers, **options):
        if not 0 < timeout <= 60:
            raise CommandError("--timeout must be more than 0 and at most 60 seconds")
        if not 1 <= workers <= 8:
            raise CommandError("--workers must be between 1 and 8")
        references = Reference.objects.all()
        if keys:
            references = references.filter(key__in=keys)
            missing = sorted(set(keys) - set(references.values_list("key", flat=True)))
            if missing:
                shown = ", ".join(key[:60] for key in missing[:10])
                raise CommandError(f"no reference with the key: {shown}")
        results = check_all(list(references), timeout=timeout, workers=workers)
        now = timezone.now()
        broken = 0
        for reference, (status, detail, target) in results:
            # update(): a check is not an edit, so pages are not re-rendered for it.
            Reference.objects.filter(pk=reference.pk).update(
                check_status=status, check_detail=detail, redirect_target=target, checked_at=now
            )
            if status == CheckStatus.BROKEN:
                broken += 1
                self.stdout.write(f"broken: {reference.key}: {detail}")
            elif status == CheckStatus.REDIRECTED and options["verbosity"] >= 2:
                self.stdout.write(f"moved: {reference.key}: now {target}")
        moved = sum(status == CheckStatus.REDIRECTED for _, (status, _d, _t) in results)
        self.stdout.write(
            f"{len(results)} checked: {len(results) - moved - broken} work, {moved} moved, "
            f"{broken} broken"
        )
        if broken:
            raise CommandError(
                ngettext("%d reference has a broken link", "%d references have broken links",
                         broken) % broken
            )  # fmt: skip
