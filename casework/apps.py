from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .services.api_tokens import api_tokens_revoke_on_password_change

        post_save.connect(
            api_tokens_revoke_on_password_change,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="casework.api_tokens_revoke_on_password_change",
        )
