from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "callable_admin.signin"
    label = "signin"
    verbose_name = "Sign-in and sessions"
