from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-check annotations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the live stream's signal: new Events are announced on Redis when it is
        # configured. Django's one sanctioned local import: models are ready only now.
        from annotations.live import bus  # noqa: F401
