from django import forms

from paperwire.discussion.services import MAX_BODY_LENGTH
from paperwire.orgs.models import Organization

# Long enough for any arXiv URL with a query string; parse_arxiv_id refuses longer text.
MAX_ID_LENGTH = 300


class SubmitForm(forms.Form):
    """The submit page's form; the rules themselves live in feed.services."""

    paper = forms.CharField(
        label="arXiv id or URL",
        max_length=MAX_ID_LENGTH,
        widget=forms.TextInput(
            attrs={
                "placeholder": "2502.08025 or https://arxiv.org/abs/2502.08025",
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=MAX_BODY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why is it worth reading? Starts the paper's discussion. Markdown works.",
    )
    organization = forms.ModelChoiceField(
        label="Submit for",
        queryset=Organization.objects.none(),
        required=False,
        empty_label="Just me",
        help_text="An organization you are a member of.",
    )

    def __init__(self, *args: object, organizations: list[Organization], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if organizations:
            field = self.fields["organization"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
        else:
            # Nothing to choose from: the page does not offer the choice at all.
            del self.fields["organization"]
