from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "filrouge.cases"
    label = "cases"
