from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agreement"
    verbose_name = _("Inter-coder agreement")

    def ready(self) -> None:
        """Plug agreement into the core's registry: its settings travel in backups;
        computing agreement is a step of the first-steps checklist."""
        from agreement.backup import AGREEMENT_BACKUP
        from agreement.checklist import AGREEMENT_STEP
        from coding.registry import backup_parts, first_steps

        backup_parts.register(AGREEMENT_BACKUP)
        first_steps.register(AGREEMENT_STEP)
