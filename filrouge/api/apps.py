from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "filrouge.api"
    label = "api"
