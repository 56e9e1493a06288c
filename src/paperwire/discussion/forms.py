from django import forms

from paperwire.discussion.services import MAX_BODY_LENGTH, CommentError, clean_body


class CommentForm(forms.Form):
    """The text of a new comment, a reply or an edit; the services say what is wrong with it."""

    body = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_BODY_LENGTH}),
    )

    def clean_body(self) -> str:
        try:
            return clean_body(self.cleaned_data.get("body") or "")
        except CommentError as e:
            raise forms.ValidationError(e.message) from e

    def error_message(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
