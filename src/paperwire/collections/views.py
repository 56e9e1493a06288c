"""Collection pages and the writes behind them: create, edit, delete, save and remove papers."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from paperwire.accounts.rules import NotAllowed, why_not_active_member
from paperwire.collections import services
from paperwire.collections.forms import CollectionForm
from paperwire.collections.models import Collection, CollectionItem
from paperwire.errors import Refusal
from paperwire.feed.cards import card_papers
from paperwire.inputs import next_page, parse_id
from paperwire.papers.models import Paper
from paperwire.ratelimits import limited

PAPERS_PER_PAGE = 20
COLLECTIONS_PER_PAGE = 30
WRITE_RATE = "60/m"

# papers/_card.html reads who submitted a paper from a feed entry; a collection's cards
# have none, and the card's filters need the fields to exist.
NO_ENTRY = {"submitter_fullname": "", "submitter_name": "", "submitted_by_id": None}


def _visible(request: HttpRequest, username: str, slug: str) -> Collection:
    collection = services.find_collection(username, slug, request.user)
    if collection is None:
        raise Http404("There is no such collection, or it is private.")
    return collection


def _own(request: HttpRequest, username: str, slug: str) -> Collection:
    collection = _visible(request, username, slug)
    if collection.owner_id != request.user.pk:
        raise Http404("There is no such collection, or it is private.")
    return collection


def _next_or(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back where the form was, if that is a page of this site."""
    return redirect(next_page(request, fallback))


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    owner = cast(User, request.user)  # login_required
    listed = services.collections_of(owner, owner)
    page = Paginator(listed, COLLECTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "collections/mine.html", {"page": page})


def detail(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = _visible(request, username, slug)
    items = (
        CollectionItem.objects.filter(collection=collection)
        .prefetch_related(Prefetch("paper", queryset=card_papers()))
        .order_by("-added_at", "-pk")
    )
    page = Paginator(items, PAPERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "collection": collection,
        "owner": collection.owner,
        "is_owner": collection.owner_id == request.user.pk,
        "page": page,
        "no_entry": NO_ENTRY,
    }
    return render(request, "collections/detail.html", context)


@login_required
@limited(("user_or_ip", "20/h"))
def create(request: HttpRequest) -> HttpResponse:
    not_allowed = why_not_active_member(request.user)
    form = CollectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.do_create_collection(request.user, form.fields_entered())
        except Refusal as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"Your collection “{collection.name}” is ready.")
            return redirect(collection)
    return render(request, "collections/form.html", {"form": form, "not_allowed": not_allowed})


@login_required
@limited(("user_or_ip", WRITE_RATE))
def edit(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = _own(request, username, slug)
    initial = {
        "name": collection.name,
        "description": collection.description,
        "is_public": collection.is_public,
    }
    form = CollectionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_collection(request.user, collection, form.fields_entered())
        except Refusal as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect(collection)
    return render(request, "collections/form.html", {"form": form, "collection": collection})


@login_required
@limited(("user_or_ip", WRITE_RATE))
def delete(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = _own(request, username, slug)
    if request.method == "POST":
        try:
            services.do_delete_collection(request.user, collection)
        except NotAllowed as e:
            messages.error(request, e.message)
            return redirect(collection)
        messages.success(request, f"The collection “{collection.name}” is deleted.")
        return redirect("collections:mine")
    return render(request, "collections/delete.html", {"collection": collection})


def _paper_from_form(request: HttpRequest) -> Paper:
    return get_object_or_404(Paper, arxiv_id=request.POST.get("paper", ""))


@require_POST
@login_required
@limited(("user_or_ip", WRITE_RATE))
def remove_paper(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = _own(request, username, slug)
    paper = _paper_from_form(request)
    try:
        services.do_remove_paper(request.user, collection, paper)
    except NotAllowed as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"Removed “{paper.title}” from {collection.name}.")
    return redirect(collection)


@require_POST
@login_required
@limited(("user_or_ip", WRITE_RATE))
def set_note(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = _own(request, username, slug)
    paper = _paper_from_form(request)
    try:
        services.do_set_note(request.user, collection, paper, request.POST.get("note", ""))
    except Refusal as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "The note is saved.")
    return redirect(collection.get_absolute_url() + f"#paper-{paper.pk}")


@require_POST
@login_required
@limited(("user_or_ip", WRITE_RATE))
def toggle(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    collection_id = parse_id(request.POST.get("collection", ""))
    collection = (
        Collection.objects.filter(pk=collection_id, owner_id=request.user.pk).first()
        if collection_id
        else None
    )
    if collection is None:
        messages.error(request, "Choose one of your collections.")
        return _next_or(request, paper.get_absolute_url())
    try:
        now_in = services.do_toggle_paper(request.user, collection, paper)
    except Refusal as e:
        messages.error(request, e.message)
    else:
        done = "Saved to" if now_in else "Removed from"
        messages.success(request, f"{done} {collection.name}.")
    return _next_or(request, paper.get_absolute_url())


@require_POST
@login_required
@limited(("user_or_ip", "20/h"))
def save_to_new(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id)
    fields = services.CollectionFields(
        name=request.POST.get("name", ""), is_public=request.POST.get("private") != "on"
    )
    try:
        with transaction.atomic():
            collection = services.do_create_collection(request.user, fields)
            services.do_add_paper(request.user, collection, paper)
    except Refusal as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"Saved to your new collection {collection.name}.")
    return _next_or(request, paper.get_absolute_url())
