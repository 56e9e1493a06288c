"""The search page's form: the query, the filters and the order, read from the URL."""

from itertools import groupby
from typing import Any, cast

from django import forms

from paperwire.inputs import TextField
from paperwire.orgs.models import Organization
from paperwire.papers.models import Category
from paperwire.search.service import SearchFilters
from paperwire.widgets import QuickSelect

SORTS = [("relevance", "Relevance"), ("newest", "Newest"), ("upvotes", "Most upvoted")]


def _category_choices() -> list[tuple[str, Any]]:
    """Categories grouped as arXiv groups them (Computer Science → cs.AI, cs.CL, …)."""
    rows = Category.objects.order_by("group_name", "code").values_list("group_name", "code", "name")
    choices: list[tuple[str, Any]] = [("", "Any category")]
    for group, members in groupby(rows, key=lambda row: row[0]):
        options = [(code, f"{code} — {name}" if name else code) for _, code, name in members]
        choices.append((group or "Other", options))
    return choices


def _organization_choices() -> list[tuple[str, str]]:
    orgs = Organization.objects.filter(approved=True).order_by("name")
    return [("", "Any organization")] + [(o.name, str(o)) for o in orgs]


class SearchForm(forms.Form):
    # No max_length: a long query is cut (and the page says so), not refused.
    q = TextField(required=False, label="Search papers", strip=True)
    published_from = forms.DateField(
        required=False, label="Published from", widget=forms.DateInput(attrs={"type": "date"})
    )
    published_to = forms.DateField(
        required=False, label="Published to", widget=forms.DateInput(attrs={"type": "date"})
    )
    category = forms.ChoiceField(required=False, label="Category", widget=QuickSelect)
    organization = forms.ChoiceField(required=False, label="Organization", widget=QuickSelect)
    on_feed = forms.BooleanField(required=False, label="Only papers on the feed")
    has_code = forms.BooleanField(required=False, label="Has code")
    min_upvotes = forms.IntegerField(
        required=False, min_value=0, max_value=1_000_000_000, label="Minimum upvotes"
    )
    sort = forms.ChoiceField(required=False, choices=SORTS, label="Sort by", widget=QuickSelect)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read per request: categories and approved organizations change while the site runs.
        cast(forms.ChoiceField, self.fields["category"]).choices = _category_choices()
        cast(forms.ChoiceField, self.fields["organization"]).choices = _organization_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            self.add_error("published_to", "The end date is before the start date.")
        return data

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            published_from=data.get("published_from"),
            published_to=data.get("published_to"),
            category=data.get("category") or None,
            organization=data.get("organization") or None,
            on_feed=bool(data.get("on_feed")),
            has_code=bool(data.get("has_code")),
            min_upvotes=data.get("min_upvotes"),
        )

    def has_filters(self) -> bool:
        """Whether any filter narrows the list (the order alone does not)."""
        return self.filters() != SearchFilters()

    def chosen_sort(self) -> str:
        # With words, relevance comes first; without, there is nothing to be relevant to.
        default = "relevance" if self.cleaned_data.get("q") else "newest"
        return self.cleaned_data.get("sort") or default
