"""One organization per institution: imports name the same one several ways upstream
("zju", "ZhejiangUniversity", "zju-community" are all "Zhejiang University").

Organizations brought in by an import (no member created them) with the same full name,
compared without case and spacing, are one organization here; the other names become
aliases, so their links and later imports lead to it. Organizations members created are
never merged: a name a member chose is theirs.
"""

from typing import Any

from django.apps.registry import Apps
from django.db import transaction
from django.db.models import Count


def fullname_key(fullname: str) -> str:
    """The full name as merging compares it: case and runs of spaces do not count."""
    return " ".join(fullname.casefold().split())


def merge_imported_duplicates(apps: Apps, app_label: str = "orgs") -> int:
    """Merge every group of imported organizations sharing a full name into the one with
    the most papers (the oldest on a tie); returns how many were merged away.

    Takes the app registry so that a migration can run it on its historical models, and
    the app they were in then (organizations lived in accounts until orgs.0001).
    """
    Organization = apps.get_model(app_label, "Organization")
    groups: dict[str, list[Any]] = {}
    imported = (
        Organization.objects.filter(created_by__isnull=True)
        .exclude(fullname="")
        .annotate(entry_count=Count("entries"))
        .order_by("-entry_count", "pk")
    )
    for org in imported:
        groups.setdefault(fullname_key(org.fullname), []).append(org)
    merged = 0
    for keep, *others in groups.values():
        for other in others:
            merge_into(apps, keep, other, app_label)
            merged += 1
    return merged


def merge_into(apps: Apps, keep: Any, other: Any, app_label: str = "orgs") -> None:
    """Move everything of `other` to `keep`, leave its name as an alias, delete it."""
    Alias = apps.get_model(app_label, "OrganizationAlias")
    Membership = apps.get_model(app_label, "Membership")
    DailyEntry = apps.get_model("feed", "DailyEntry")
    Subscriber = apps.get_model("digests", "Subscriber")
    with transaction.atomic():
        DailyEntry.objects.filter(organization=other).update(organization=keep)
        members = set(
            Membership.objects.filter(organization=keep).values_list("user_id", flat=True)
        )
        Membership.objects.filter(organization=other).exclude(user_id__in=members).update(
            organization=keep
        )
        for subscriber in Subscriber.objects.filter(organizations=other):
            subscriber.organizations.add(keep)
        Alias.objects.filter(organization=other).update(organization=keep)
        for field in ("avatar_url", "description", "website"):
            if not getattr(keep, field) and getattr(other, field):
                setattr(keep, field, getattr(other, field))
        keep.approved = keep.approved or other.approved
        keep.save()
        name = other.name
        other.delete()
        Alias.objects.create(name=name, organization=keep)
