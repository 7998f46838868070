from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "callable_admin.directory"
    label = "directory"

    def ready(self) -> None:
        from callable_admin.directory import refresh  # noqa: F401 (connects to applied writes)
