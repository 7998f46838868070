from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "callable_admin.audit"
    label = "audit"
