from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(using="default", **kwargs):
    """The default cache is a database table: wherever `migrate` runs (bin/demo, the container,
    the tests), the table is there too. Does nothing for other cache backends or if it exists."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class SigninConfig(AppConfig):
    name = "callable_admin.signin"
    label = "signin"
    verbose_name = "Sign-in and sessions"

    def ready(self):
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="create_cache_table")
