from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = _("Data protection")

    def ready(self) -> None:
        """Plug data protection into the core's registry (``coding/registry.py``):
        an imported transcript is marked for review and its suggestions computed;
        the document page links to the review; a backup carries the settings,
        word lists, review marks and labels (never the key)."""
        from coding import registry
        from privacy.backup import PRIVACY_BACKUP
        from privacy.hooks import DOCUMENT_IMPORTED, DOCUMENT_READ, REVIEW_TOOL

        registry.documents_imported_hooks.register(DOCUMENT_IMPORTED)
        registry.document_read_hooks.register(DOCUMENT_READ)
        registry.document_tools.register(REVIEW_TOOL)
        for part in PRIVACY_BACKUP:
            registry.backup_parts.register(part)
