from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interop"
    verbose_name = _("Exchange and backup")

    def ready(self) -> None:
        from agreement.backup import AGREEMENT_BACKUP
        from coding.registry import backup_parts

        # lead: move to AgreementConfig.ready at merge
        backup_parts.register(AGREEMENT_BACKUP)
