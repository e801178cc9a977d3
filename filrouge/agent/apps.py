from django.apps import AppConfig


class AgentConfig(AppConfig):
    name = "filrouge.agent"
    label = "agent"
