"""The folders the running product writes to, made when Django starts (CaseworkConfig.ready)
rather than when settings are imported: reading settings must not touch the disk."""

from pathlib import Path

from django.conf import settings


def var_dirs_ensure() -> None:
    folders = [Path(settings.STATIC_ROOT)]  # whitenoise warns about a missing root
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    # kombu's filesystem transport expects its folders to exist.
    for key in ("data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            folders.append(Path(options[key]))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
