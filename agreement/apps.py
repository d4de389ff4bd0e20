from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agreement"
    verbose_name = _("Inter-coder agreement")
