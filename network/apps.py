from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "network"
    verbose_name = _("Actor network")

    def ready(self) -> None:
        """Plug the network into the core's registry (``coding/registry.py``)."""
        from coding import registry
        from network.api.codings import RELATION_API
        from network.audit import RELATION_EXTRA
        from network.backup import NETWORK_BACKUP
        from network.hooks import (
            ACTOR_ALIASES,
            NETWORK_DEMO,
            RELATION_COLUMNS,
            RELATION_TOOL,
        )

        registry.coding_extras.register(RELATION_EXTRA)
        registry.coding_api_extras.register(RELATION_API)
        registry.document_tools.register(RELATION_TOOL)
        registry.demo_steps.register(NETWORK_DEMO)
        registry.alias_sources.register(ACTOR_ALIASES)
        registry.relation_columns.register(RELATION_COLUMNS)
        for part in NETWORK_BACKUP:
            registry.backup_parts.register(part)
