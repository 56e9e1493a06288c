"""Forms of the account pages; the rules themselves live in services.py."""

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.urls import reverse

from paperwire.accounts import services, throttle
from paperwire.emails import absolute_url, send_email
from paperwire.inputs import controls_message, has_controls

USERNAME_ATTRS = {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
RULES_HELP = "At least 10 characters, not a common password, not all digits."


def _password(label: str, autocomplete: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class SignUpForm(forms.Form):
    # UsernameField applies Unicode normalization, so look-alike spellings compare equal.
    username = auth_forms.UsernameField(
        max_length=services.USERNAME_MAX_LENGTH,
        help_text="Your address will be /u/username. Letters a-z, digits and . _ + -",
        widget=forms.TextInput(attrs={**USERNAME_ATTRS, "autofocus": True}),
    )
    email = forms.EmailField(
        help_text="We send a link to confirm it; it is never shown to others.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = _password("Password", "new-password", RULES_HELP)
    password2 = _password("Password again", "new-password")

    def _check(self, field: str, check: Any, *args: Any) -> None:
        try:
            check(*args)
        except services.AccountError as e:
            self.add_error(e.field or field, e.message)

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, email = data.get("username"), data.get("email")
        password1, password2 = data.get("password1"), data.get("password2")
        if username:
            self._check("username", services.check_username, username)
        if email:
            self._check("email", services.check_email_free, email)
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords differ.")
        elif password1:
            user = User(username=username or "", email=email or "")
            self._check("password1", services.check_password_rules, password1, user)
        return data


class LoginForm(forms.Form):
    login = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={**USERNAME_ATTRS, "autofocus": True}),
    )
    password = _password("Password", "current-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.user: User | None = None
        if data.get("login") and data.get("password"):
            try:
                self.user = services.authenticate_member(data["login"], data["password"])
            except services.AccountError as e:
                raise forms.ValidationError(e.message) from None
        return data


class ProfileForm(forms.Form):
    fullname = forms.CharField(
        label="Full name",
        max_length=200,
        required=False,
        help_text="Shown on your profile, comments and submissions instead of your username.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    bio = forms.CharField(
        max_length=1000,
        required=False,
        help_text="A line or two about your research. Plain text.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_fullname(self) -> str:
        return _no_controls(self.cleaned_data["fullname"], "Your name")

    def clean_bio(self) -> str:
        return _no_controls(self.cleaned_data["bio"], "Your bio")


def _no_controls(text: str, what: str) -> str:
    if has_controls(text):
        raise forms.ValidationError(controls_message(what))
    return text


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label="New email address", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = _password("Current password", "current-password")

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("email") and data.get("password"):
            email = User.objects.normalize_email(data["email"])
            data["email"] = email
            try:
                services.check_change_email(self.user, email, data["password"])
            except services.AccountError as e:
                self.add_error(e.field, e.message)
        return data


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with our help text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # It is the third form on the settings page: focusing it would scroll past the others.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.fields["new_password1"].help_text = RULES_HELP
        self.fields["new_password2"].label = "New password again"


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset (active users with a usable password, matched case-insensitively),
    sent as our email triplet through the one email helper."""

    _request: HttpRequest | None = None

    def save(self, **kwargs: Any) -> None:  # type: ignore[override]
        # Django's view passes the request here; the email needs it for absolute links.
        self._request = kwargs.get("request")
        super().save(**kwargs)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        link = absolute_url(path, self._request)
        # The account's name only to an address its owner verified: otherwise this
        # is someone else's mailbox as far as anyone knows (see send_verification).
        verified = user.profile.email_verified_at is not None
        send_email(
            "password-reset",
            to_email,
            {"account": user.username if verified else "", "link": link},
            request=self._request,
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = RULES_HELP
        self.fields["new_password2"].label = "New password again"

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit)
        # The link came to the account's mailbox: its owner may log in again at once.
        throttle.forget_failures(user)
        return user
