"""``python manage.py privacy_reminders``: mail the owners of every project whose
retention date is reached (once per date). Run it daily (cron, a systemd timer)."""

from __future__ import annotations

from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from privacy.services.retention import retention_reminders


class Command(BaseCommand):
    help = "Remind owners of projects past their retention date."

    def handle(self, *args, **options):
        for project, emails in retention_reminders():
            if emails:
                send_mail(
                    _("Regie: the retention date of “%(name)s” is reached")
                    % {"name": project.name},
                    _(
                        "The data of the project “%(name)s” were to be kept until now. "
                        "Delete the project (page Data protection), or set a later date."
                    )
                    % {"name": project.name},
                    None,
                    emails,
                )
            self.stdout.write(
                f"{project.pk}\t{project.name}\t{len(emails)} owner(s) reminded"
            )
