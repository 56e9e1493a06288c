from django import forms

from paperwire.collections.services import CollectionFields


class CollectionForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )
    is_public = forms.BooleanField(
        label="Public: anyone can see it on your profile",
        required=False,
        initial=True,
    )

    def fields_entered(self) -> CollectionFields:
        return CollectionFields(**self.cleaned_data)
