from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "network"
    verbose_name = _("Actor network")

    def ready(self) -> None:
        from coding.registry import backup_parts
        from coding.services.audit import register_coding_extra
        from network.audit import RELATION_EXTRA
        from network.backup import NETWORK_BACKUP

        register_coding_extra(RELATION_EXTRA)
        for part in NETWORK_BACKUP:
            backup_parts.register(part)
