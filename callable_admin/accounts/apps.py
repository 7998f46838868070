from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "callable_admin.accounts"
    label = "accounts"
