from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from paperwire.accounts.models import Profile


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_profile")
def create_profile(
    sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    # Every user has a profile, however they were created (sign-up, admin, createsuperuser).
    if created and not raw:
        Profile.objects.get_or_create(user=instance)
