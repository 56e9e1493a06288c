"""Admin for users and profiles (organizations are in orgs.admin, claims in papers.admin)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from paperwire.accounts import services
from paperwire.accounts.models import Profile
from paperwire.accounts.rules import NotAllowed


class VerifiedFilter(admin.SimpleListFilter):
    title = "email verified"
    parameter_name = "verified"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Verified"), ("no", "Not verified")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        prefix = "profile__" if queryset.model is User else ""
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{prefix}email_verified_at__isnull": self.value() == "no"})
        return queryset


class BannedFilter(admin.SimpleListFilter):
    title = "banned"
    parameter_name = "banned"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Banned"), ("no", "Not banned")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        prefix = "profile__" if queryset.model is User else ""
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{prefix}banned_at__isnull": self.value() == "no"})
        return queryset


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["fullname", "bio", "email_verified_at", "banned_at"]
    # A ban goes through the actions, which also deactivate the user.
    readonly_fields = ["banned_at"]


def _ban_or_unban(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User], ban: bool
) -> None:
    action = services.do_ban_user if ban else services.do_unban_user
    done = 0
    for user in queryset:
        try:
            done += action(request.user, user)
        except NotAllowed as e:
            model_admin.message_user(request, e.message, level=messages.ERROR)
    verb = "Banned" if ban else "Unbanned"
    if done:
        model_admin.message_user(request, f"{verb} {done} user{'s' * (done != 1)}.")


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [ProfileInline]
    list_display = [
        "username",
        "email",
        "fullname",
        "is_staff",
        "verified",
        "banned",
        "date_joined",
    ]
    list_filter = [VerifiedFilter, BannedFilter, "is_staff", "is_superuser", "is_active"]
    list_select_related = ["profile"]
    ordering = ["-date_joined"]
    actions = ["ban", "unban"]

    @admin.display(description="full name", ordering="profile__fullname")
    def fullname(self, user: User) -> str:
        return user.profile.fullname

    @admin.display(description="verified", boolean=True)
    def verified(self, user: User) -> bool:
        return user.profile.email_verified_at is not None

    @admin.display(description="banned", boolean=True)
    def banned(self, user: User) -> bool:
        return user.profile.banned_at is not None

    @admin.action(description="Ban selected users", permissions=["change"])
    def ban(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        _ban_or_unban(self, request, queryset, ban=True)

    @admin.action(description="Unban selected users", permissions=["change"])
    def unban(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        _ban_or_unban(self, request, queryset, ban=False)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "fullname", "email_verified_at", "banned_at"]
    list_filter = [VerifiedFilter, BannedFilter]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "fullname"]
    raw_id_fields = ["user"]
    readonly_fields = ["banned_at"]
