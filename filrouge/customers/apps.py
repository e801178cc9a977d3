from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "filrouge.customers"
    label = "customers"
