from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "filrouge.network"
    label = "network"
