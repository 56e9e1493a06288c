"""Collections: a member's named lists of papers, public or private.

check_* functions validate and authorize; do_* functions change the database.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils.text import slugify

from paperwire.accounts.rules import AnyUser, NotAllowed, check_active_member
from paperwire.collections.models import Collection, CollectionItem
from paperwire.errors import InputError
from paperwire.inputs import controls_message, has_controls
from paperwire.papers.models import Paper

# Generous for real use, a ceiling for scripts filling the database.
MAX_COLLECTIONS_PER_USER = 200
MAX_PAPERS_PER_COLLECTION = 2000


class CollectionError(InputError):
    """Input a collection action cannot accept; the message is shown to the user."""


@dataclass(frozen=True)
class CollectionFields:
    name: str
    description: str = ""
    is_public: bool = True


def _owner_is_public(collection: Collection) -> bool:
    owner = collection.owner
    return owner.is_active and owner.profile.banned_at is None


def can_view(collection: Collection, viewer: AnyUser) -> bool:
    """Public collections of members in good standing, and one's own."""
    if viewer.is_authenticated and collection.owner_id == viewer.pk:
        return True
    return collection.is_public and _owner_is_public(collection)


def find_collection(username: str, slug: str, viewer: AnyUser) -> Collection | None:
    """The collection a URL names, or None when it does not exist or this viewer may not see it
    (a private collection is "not found", never "forbidden": its existence is private too)."""
    collection = (
        Collection.objects.select_related("owner__profile")
        .filter(owner__username=username, slug=slug)
        .first()
    )
    return collection if collection is not None and can_view(collection, viewer) else None


def collections_of(owner: AbstractBaseUser, viewer: AnyUser) -> QuerySet[Collection]:
    """An owner's collections as a viewer may see them, with `paper_count`: for profiles."""
    listed = (
        Collection.objects.filter(owner_id=owner.pk)
        .annotate(paper_count=Count("items"))
        .order_by("-updated_at", "-pk")
    )
    if viewer.is_authenticated and viewer.pk == owner.pk:
        return listed
    profile = getattr(owner, "profile", None)
    if not owner.is_active or (profile is not None and profile.banned_at is not None):
        return listed.none()
    return listed.filter(is_public=True)


def check_owner(user: AnyUser, collection: Collection) -> None:
    check_active_member(user)
    if collection.owner_id != user.pk:
        raise NotAllowed("Only its owner can change a collection.")


def _clean(fields: CollectionFields) -> CollectionFields:
    name = " ".join(fields.name.split())
    if not name:
        raise CollectionError("Give the collection a name.")
    if len(name) > 100:
        raise CollectionError("A collection's name is at most 100 characters long.")
    if len(fields.description) > 2000:
        raise CollectionError("The description is at most 2,000 characters long.")
    if has_controls(name) or has_controls(fields.description):
        raise CollectionError(controls_message("The name or description"))
    return CollectionFields(name, fields.description.strip(), bool(fields.is_public))


def _free_slug(owner_id: int, name: str, keep: Collection | None = None) -> str:
    # The address follows the name: "Reading list" → reading-list, then reading-list-2, …
    # Names with no Latin letters or digits get "collection".
    base = slugify(name)[:90].strip("-") or "collection"
    others = Collection.objects.filter(owner_id=owner_id, slug__startswith=base)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    taken = set(others.values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def check_create_collection(user: AnyUser, fields: CollectionFields) -> CollectionFields:
    check_active_member(user)
    fields = _clean(fields)
    if Collection.objects.filter(owner_id=user.pk).count() >= MAX_COLLECTIONS_PER_USER:
        raise CollectionError(f"You can keep at most {MAX_COLLECTIONS_PER_USER} collections.")
    if Collection.objects.filter(owner_id=user.pk, name__iexact=fields.name).exists():
        raise CollectionError(f"You already have a collection called “{fields.name}”.")
    return fields


def do_create_collection(user: AnyUser, fields: CollectionFields) -> Collection:
    fields = check_create_collection(user, fields)
    assert isinstance(user, User)
    try:
        with transaction.atomic():
            return Collection.objects.create(
                owner=user,
                name=fields.name,
                slug=_free_slug(user.pk, fields.name),
                description=fields.description,
                is_public=fields.is_public,
            )
    except IntegrityError:
        # The same form sent twice at once: the slug was taken in between.
        raise CollectionError(f"You already have a collection called “{fields.name}”.") from None


def do_update_collection(user: AnyUser, collection: Collection, fields: CollectionFields) -> None:
    check_owner(user, collection)
    fields = _clean(fields)
    clash = Collection.objects.filter(owner_id=user.pk, name__iexact=fields.name).exclude(
        pk=collection.pk
    )
    if clash.exists():
        raise CollectionError(f"You already have a collection called “{fields.name}”.")
    if fields.name != collection.name:
        collection.slug = _free_slug(collection.owner_id, fields.name, keep=collection)
    collection.name = fields.name
    collection.description = fields.description
    collection.is_public = fields.is_public
    try:
        with transaction.atomic():
            collection.save()
    except IntegrityError:
        raise CollectionError(f"You already have a collection called “{fields.name}”.") from None


def do_delete_collection(user: AnyUser, collection: Collection) -> None:
    check_owner(user, collection)
    collection.delete()


def do_add_paper(user: AnyUser, collection: Collection, paper: Paper, note: str = "") -> bool:
    """Put a paper in a collection; False when it was there already (nothing changes)."""
    check_owner(user, collection)
    if len(note) > 500:
        raise CollectionError("A note is at most 500 characters long.")
    if collection.items.count() >= MAX_PAPERS_PER_COLLECTION:
        raise CollectionError(
            f"A collection holds at most {MAX_PAPERS_PER_COLLECTION} papers; start another one."
        )
    with transaction.atomic():
        _, created = CollectionItem.objects.get_or_create(
            collection=collection, paper=paper, defaults={"note": note.strip()}
        )
        if created:
            _touch(collection)
    return created


def do_remove_paper(user: AnyUser, collection: Collection, paper: Paper) -> bool:
    """Take a paper out of a collection; False when it was not in it."""
    check_owner(user, collection)
    with transaction.atomic():
        deleted, _ = CollectionItem.objects.filter(collection=collection, paper=paper).delete()
        if deleted:
            _touch(collection)
    return bool(deleted)


def do_toggle_paper(user: AnyUser, collection: Collection, paper: Paper) -> bool:
    """Add the paper if it is not in the collection, remove it if it is; True if now in."""
    if CollectionItem.objects.filter(collection=collection, paper=paper).exists():
        do_remove_paper(user, collection, paper)
        return False
    do_add_paper(user, collection, paper)
    return True


def do_set_note(user: AnyUser, collection: Collection, paper: Paper, note: str) -> None:
    check_owner(user, collection)
    note = note.strip()
    if len(note) > 500:
        raise CollectionError("A note is at most 500 characters long.")
    updated = CollectionItem.objects.filter(collection=collection, paper=paper).update(note=note)
    if not updated:
        raise CollectionError("That paper is not in this collection.")


def _touch(collection: Collection) -> None:
    # Collections list most recently changed first: adding a paper counts as a change.
    collection.save(update_fields=["updated_at"])


def saved_in(user: AnyUser, paper: Paper) -> list[tuple[Collection, bool]]:
    """The user's collections, each with whether it holds the paper, for the Save menu."""
    if not user.is_authenticated:
        return []
    holding = set(
        CollectionItem.objects.filter(collection__owner_id=user.pk, paper=paper).values_list(
            "collection_id", flat=True
        )
    )
    return [(c, c.pk in holding) for c in Collection.objects.filter(owner_id=user.pk)]
