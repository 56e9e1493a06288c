"""The subscribe box and the manage page's form."""

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms

from paperwire.digests import services
from paperwire.digests.compose import MAX_TOP_N
from paperwire.digests.matching import MAX_SAVED_SEARCHES, BadSavedSearch, check_saved_search
from paperwire.digests.models import Subscriber
from paperwire.orgs.models import Organization
from paperwire.papers.models import Category
from paperwire.widgets import QuickSelect

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


@cache  # available_timezones() reads the whole zone database from disk
def _zones() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z or z == "UTC")
    return [(zone, zone.replace("_", " ")) for zone in zones]


def _lines(text: str) -> list[str]:
    return list(dict.fromkeys(" ".join(line.split()) for line in text.splitlines() if line.strip()))


DAILY_HELP = "Weekdays, with the papers since the last one."
WEEKLY_HELP = "Mondays, with the best of the week before."


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.org"}),
    )
    daily = forms.BooleanField(
        required=False,
        initial=True,
        label="Daily",
        help_text=DAILY_HELP,
    )
    weekly = forms.BooleanField(required=False, label="Weekly", help_text=WEEKLY_HELP)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("daily") and not data.get("weekly"):
            self.add_error("daily", "Choose the daily digest, the weekly one, or both.")
        return data


class ManageForm(forms.Form):
    daily = forms.BooleanField(required=False, label="Daily", help_text=DAILY_HELP)
    weekly = forms.BooleanField(required=False, label="Weekly", help_text=WEEKLY_HELP)
    timezone = forms.ChoiceField(label="Time zone", widget=QuickSelect)
    send_hour = forms.TypedChoiceField(
        label="Arrives at",
        choices=HOURS,
        coerce=int,
        help_text="In your time zone; never before the day's list closes.",
    )
    top_n = forms.IntegerField(
        label="Top papers",
        min_value=0,
        max_value=MAX_TOP_N,
        help_text="How many of the most upvoted papers to list first (0 for none).",
    )
    categories = forms.CharField(
        required=False,
        label="arXiv categories",
        help_text="Papers in these categories, such as cs.CL cs.LG stat.ML.",
        widget=forms.TextInput(attrs={"placeholder": "cs.CL cs.LG", "autocapitalize": "off"}),
    )
    searches = forms.CharField(
        required=False,
        label="Saved searches",
        help_text=(
            f"One per line, up to {MAX_SAVED_SEARCHES}; a paper must have every word. "
            "Phrases in quotes, -word to leave out, ti: au: abs: cat: as in search."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": '"speculative decoding"'}),
    )
    authors = forms.CharField(
        required=False,
        label="Authors you follow",
        help_text="One name per line, as it appears on papers.",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Yoshua Bengio"}),
    )
    organizations = forms.CharField(
        required=False,
        label="Organizations you follow",
        help_text="Their handles, as in the address of their page (/orgs/handle).",
        widget=forms.TextInput(attrs={"placeholder": "handle another-handle"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _zones()  # type: ignore[attr-defined]

    @classmethod
    def for_subscriber(cls, subscriber: Subscriber, data: Any = None) -> "ManageForm":
        initial = {
            "daily": subscriber.daily,
            "weekly": subscriber.weekly,
            "timezone": subscriber.timezone,
            "send_hour": subscriber.send_hour,
            "top_n": subscriber.top_n,
            "categories": " ".join(c.code for c in subscriber.categories.all()),
            "searches": "\n".join(s.query for s in subscriber.saved_searches.all()),
            "authors": "\n".join(sorted(a.name for a in subscriber.authors.all())),
            "organizations": " ".join(o.name for o in subscriber.organizations.all()),
        }
        return cls(data, initial=initial)

    def clean_categories(self) -> list[Category]:
        codes = list(dict.fromkeys(self.cleaned_data["categories"].replace(",", " ").split()))
        found = {c.code.lower(): c for c in Category.objects.filter(code__in=_cased(codes))}
        unknown = [code for code in codes if code.lower() not in found]
        if unknown:
            raise forms.ValidationError(
                f"Not an arXiv category here: {', '.join(unknown)}. Codes look like cs.CL."
            )
        return [found[code.lower()] for code in codes]

    def clean_searches(self) -> list[str]:
        queries = _lines(self.cleaned_data["searches"])
        if len(queries) > MAX_SAVED_SEARCHES:
            raise forms.ValidationError(f"Keep at most {MAX_SAVED_SEARCHES} saved searches.")
        errors = []
        for query in queries:
            try:
                check_saved_search(query)
            except BadSavedSearch as error:
                errors.append(str(error))
        if errors:
            raise forms.ValidationError(errors)
        return queries

    def clean_authors(self) -> list[str]:
        names = _lines(self.cleaned_data["authors"])
        if len(names) > services.MAX_AUTHORS:
            raise forms.ValidationError(f"Follow at most {services.MAX_AUTHORS} authors.")
        if too_long := [n for n in names if len(n) > 200]:
            raise forms.ValidationError(
                f"An author's name is at most 200 characters: {too_long[0][:40]}…"
            )
        return names

    def clean_organizations(self) -> list[Organization]:
        handles = list(dict.fromkeys(self.cleaned_data["organizations"].replace(",", " ").split()))
        handles = [h.removeprefix("/orgs/").strip("/").lower() for h in handles]
        found = {o.name: o for o in Organization.objects.filter(approved=True, name__in=handles)}
        unknown = [h for h in handles if h not in found]
        if unknown:
            raise forms.ValidationError(
                f"No organization here has the handle {', '.join(unknown)}."
            )
        return [found[h] for h in handles]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "daily" in data and not data.get("daily") and not data.get("weekly"):
            self.add_error(
                "daily", "Choose the daily digest, the weekly one, or both (or unsubscribe below)."
            )
        return data

    def choices(self) -> services.Choices:
        data = self.cleaned_data
        return services.Choices(
            daily=data["daily"],
            weekly=data["weekly"],
            timezone=data["timezone"],
            send_hour=data["send_hour"],
            top_n=data["top_n"],
            categories=data["categories"],
            searches=data["searches"],
            authors=data["authors"],
            organizations=data["organizations"],
        )


def _cased(codes: list[str]) -> list[str]:
    # Codes are stored as arXiv writes them (cs.CL, math.AG, hep-th); readers type any case.
    variants = set(codes) | {code.lower() for code in codes}
    for code in codes:
        archive, _, subject = code.partition(".")
        variants.add(archive.lower() + ("." + subject.upper() if subject else ""))
        variants.add(archive.lower() + ("." + subject if subject else ""))
    return sorted(variants)
