from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interop"
    verbose_name = _("Exchange and backup")

    def ready(self) -> None:
        """Plug interop into the core's registry: ``.qdc`` codebooks import on the
        codebook page and through the codebook API."""
        from coding.registry import codebook_formats
        from interop.services.refi import QDC_FORMAT

        codebook_formats.register(QDC_FORMAT)
