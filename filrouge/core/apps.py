from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "filrouge.core"
    label = "core"
    verbose_name = "Fil Rouge"
