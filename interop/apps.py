from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "interop"
    verbose_name = _("Exchange and backup")

    def ready(self) -> None:
        """Plug interop into the core's registry: ``.qdc`` codebooks import on the
        codebook page and through the codebook API; exporting is a step of the
        first-steps checklist."""
        from coding.registry import codebook_formats, first_steps
        from interop.checklist import EXPORT_STEP
        from interop.services.refi import QDC_FORMAT

        codebook_formats.register(QDC_FORMAT)
        first_steps.register(EXPORT_STEP)
