from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analysis"
    verbose_name = _("Analysis")

    def ready(self) -> None:
        from analysis.backup import AUTOCODE_RUNS_BACKUP, STOP_WORDS_BACKUP
        from analysis.services.frequencies import frequencies_codings_changed
        from coding.registry import (
            CodingsChangedHook,
            backup_parts,
            codings_changed_hooks,
        )

        codings_changed_hooks.register(
            CodingsChangedHook(key="frequencies", changed=frequencies_codings_changed)
        )
        backup_parts.register(STOP_WORDS_BACKUP)
        backup_parts.register(AUTOCODE_RUNS_BACKUP)
