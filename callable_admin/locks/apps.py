from django.apps import AppConfig


class LocksConfig(AppConfig):
    name = "callable_admin.locks"
    label = "locks"
