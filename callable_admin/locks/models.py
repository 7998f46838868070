from django.db import models


class Lock(models.Model):
    """A taken lock (see `callable_admin.locks.held`): the row exists while someone holds it."""

    name = models.CharField(max_length=200, unique=True)
    owner = models.CharField(max_length=32)  # only the holder deletes its own row
    expires = models.FloatField()  # clock.now() seconds: after this, anyone may take it

    def __str__(self) -> str:
        return self.name
