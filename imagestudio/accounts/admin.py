"""Admin for users (balance shown read-only, changed only through a ledger adjustment) and API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from imagestudio.accounts.models import ApiToken, ProviderKey, User
from imagestudio.billing import services as billing
from imagestudio.lib.admin import BigTableAdmin, UserFilter, user_link

MAX_ADJUSTMENT = 1_000_000


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class CreditAdjustmentForm(forms.Form):
    amount = forms.IntegerField(
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        help_text="Credits to add (positive) or take away (negative). The balance never goes below zero.",
    )
    reason = forms.CharField(max_length=200, help_text="Why; recorded on the ledger entry.")

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("An adjustment must change the balance.")
        return amount


@admin.register(User)
class UserAdmin(BigTableAdmin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("email", "name", "credits_balance", "subscription_tier", "is_staff", "is_active", "created_at")
    list_filter = ("is_staff", "is_superuser", "is_active", "subscription_tier")
    search_fields = ("email", "name")
    ordering = ("email",)
    readonly_fields = ("credits_balance", "credit_links", "last_login", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "avatar", "subscription_tier", "preferences")}),
        ("Credits", {"fields": ("credits_balance", "credit_links")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "usable_password", "password1", "password2")}),
    )
    actions = ("adjust_credits",)

    @admin.display(description="Credits")
    def credit_links(self, user: User) -> str:
        if user.pk is None:
            return "-"
        return format_html(
            '<a href="{}">Adjust credits…</a> · <a href="{}?user={}">ledger</a> · <a href="{}?user={}">jobs</a>',
            reverse("admin:accounts_user_adjust_credits", args=[user.pk]),
            reverse("admin:billing_creditentry_changelist"),
            user.pk,
            reverse("admin:generation_generationjob_changelist"),
            user.pk,
        )

    def get_urls(self) -> list[URLPattern]:
        # Before the default URLs: their catch-all `<path:object_id>/` would swallow this one.
        return [
            path(
                "<path:object_id>/credits/",
                self.admin_site.admin_view(self.adjust_credits_view),
                name="accounts_user_adjust_credits",
            ),
            *super().get_urls(),
        ]

    def has_adjust_permission(self, request: HttpRequest, user: User | None = None) -> bool:
        return self.has_change_permission(request, user) and request.user.has_perm("billing.add_creditentry")

    @admin.action(description="Adjust the credits of the selected user", permissions=["adjust"])
    def adjust_credits(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        users = list(queryset[:2])
        if len(users) != 1:
            self.message_user(request, "Select exactly one user to adjust.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:accounts_user_adjust_credits", args=[users[0].pk]))

    def adjust_credits_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404("No such user.")
        if not self.has_adjust_permission(request, user):
            raise PermissionDenied
        form = CreditAdjustmentForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                entry = billing.adjust(
                    user=user, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"]
                )
            except billing.InsufficientCredits as exc:
                form.add_error("amount", f"{user.email} has {exc.balance} credits; the balance cannot go below zero.")
            else:
                self.log_change(request, user, f"Credits adjusted by {entry.amount:+d}: {entry.note}")
                self.message_user(
                    request,
                    f"Adjusted {user.email}'s credits by {entry.amount:+d}; the balance is now {entry.balance_after}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        user.refresh_from_db(fields=["credits_balance"])
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": f"Adjust credits: {user.email}",
            "opts": self.opts,
            "original": user,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/accounts/user/adjust_credits.html", context)


@admin.register(ApiToken)
class ApiTokenAdmin(BigTableAdmin):
    """Tokens are issued by the app (the raw value is shown once); the admin lists and revokes them."""

    list_display = ("name", "hint", "kind", "owner", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = (UserFilter, "kind", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("name", "hint", "user__email")
    uuid_search_fields = ("id", "user_id")
    ordering = ("-created_at",)
    raw_id_fields = ("user",)
    fields = ("user", "name", "kind", "scopes", "hint", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = ("user", "kind", "scopes", "hint", "created_at", "last_used_at", "revoked_at")  # never the hash
    actions = ("revoke",)

    @admin.display(description="user", ordering="user__email")
    def owner(self, token: ApiToken) -> str:
        return user_link(token)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


@admin.register(ProviderKey)
class ProviderKeyAdmin(BigTableAdmin):
    """Users' own provider keys: who has one and since when. Never the key, not even encrypted; staff may delete one."""

    list_display = ("owner", "provider", "last4", "created_at")
    list_filter = (UserFilter, "provider")
    list_select_related = ("user",)
    search_fields = ("user__email", "last4")
    uuid_search_fields = ("id", "user_id")
    ordering = ("-created_at",)
    fields = ("user", "provider", "last4", "created_at")
    readonly_fields = fields

    @admin.display(description="user", ordering="user__email")
    def owner(self, key: ProviderKey) -> str:
        return user_link(key)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
