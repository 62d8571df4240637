from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from config.var_dirs import var_dirs_ensure
        from workflows.consultation_flow import steps_register

        # Register the tasks services enqueue by name (services.outbox), as a worker does,
        # and count them (Celery's signals).
        from . import metrics, tasks  # noqa: F401
        from .services import consultation_steps
        from .services.api_tokens import api_tokens_revoke_on_password_change

        var_dirs_ensure()
        # The consultation flow calls back into casework for its automatic steps.
        steps_register(consultation_steps)

        post_save.connect(
            api_tokens_revoke_on_password_change,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="casework.api_tokens_revoke_on_password_change",
        )
