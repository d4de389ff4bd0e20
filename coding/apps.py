from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coding"
    verbose_name = _("Coding")

    def ready(self) -> None:
        from coding.registry import CodingsChangedHook, codings_changed_hooks
        from coding.services.frequencies import frequencies_mark_dirty

        codings_changed_hooks.register(
            CodingsChangedHook(key="frequencies", changed=frequencies_mark_dirty)
        )
