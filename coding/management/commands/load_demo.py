"""``python manage.py load_demo``: the demo project and its users (idempotent)."""

from django.core.management.base import BaseCommand

from coding.demo.loader import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Create the demo project 'Regierol Mechelen (demo)' with its users; safe to repeat."

    def handle(self, *args, **options):
        result = demo_load()
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo project created: {result.documents} transcripts, "
                    f"{result.codings} codings."
                )
            )
        else:
            self.stdout.write(
                f"Demo project already present (id {result.project.pk}); left as it is."
            )
        self.stdout.write(f"Demo log-ins (password for each: {DEMO_PASSWORD}):")
        for username, role in result.users.items():
            self.stdout.write(f"  {username:<11} {role}")
