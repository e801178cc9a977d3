from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "filrouge.portal"
    label = "portal"
    verbose_name = "Customer tracking pages"
