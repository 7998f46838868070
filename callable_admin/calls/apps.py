from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "callable_admin.calls"
    label = "calls"
