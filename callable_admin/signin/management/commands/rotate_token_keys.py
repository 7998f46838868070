from django.core.management.base import BaseCommand

from callable_admin.signin.models import TokenGrant


class Command(BaseCommand):
    help = (
        "Re-encrypt every kept token with the first of TOKEN_KEYS (after putting a new key first)."
    )

    def handle(self, *args, **options):
        rotated = 0
        for grant in TokenGrant.objects.iterator():
            if not grant.access_token:
                continue  # no configured key opens it: the session ends at its next request
            # Compare-and-swap: a refresh that lands meanwhile has already written with the new key.
            rotated += TokenGrant.objects.filter(pk=grant.pk, version=grant.version).update(
                access_token=grant.access_token, refresh_token=grant.refresh_token
            )
        self.stdout.write(f"Re-encrypted the tokens of {rotated} sessions.")
