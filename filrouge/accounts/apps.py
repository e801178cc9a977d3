from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "filrouge.accounts"
    label = "accounts"
