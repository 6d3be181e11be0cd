from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """The seed's `users` table; password_hash and last_login come from AbstractBaseUser."""

    class Tier(models.TextChoices):
        FREE = "free", _("Free")
        PRO = "pro", _("Pro")
        TEAM = "team", _("Team")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    credits_balance = models.IntegerField(default=0)
    subscription_tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.FREE)
    preferences = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []  # typed by AbstractBaseUser (a ClassVar)

    class Meta:
        db_table = "users"
        constraints = [
            models.CheckConstraint(condition=models.Q(credits_balance__gte=0), name="credits_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        # `_password` holds the raw password after set_password() until saved; Django clears it before
        # saving a mere hash upgrade, so this is exactly "the password changed" (page, reset, admin, CLI).
        password_changed = getattr(self, "_password", None) is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.objects.revoke_all(self)

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    @property
    def initials(self) -> str:
        parts = self.display_name.replace(".", " ").split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def email_verified(self) -> bool:
        # allauth ships no type information, so mypy cannot see its reverse relation on User.
        return self.emailaddress_set.filter(email__iexact=self.email, verified=True).exists()  # type: ignore[attr-defined]


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def revoke_all(self, user: User) -> int:
        return self.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def login_token_expiry(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(days=settings.API_TOKEN_TTL_DAYS)


class ApiToken(models.Model):
    """A bearer token for the JSON API and CLI. Only its hash is stored; the raw value is shown once.

    Login tokens (from /api/auth/login and register) expire API_TOKEN_TTL_DAYS after their last use.
    Every token of a user is revoked when their password changes.
    """

    PREFIX = "isk_"

    class Kind(models.TextChoices):
        LOGIN = "login", _("Login")  # sliding expiry
        KEY = "key", _("API key")  # fixed expiry (or none), for scripts

    class Scope(models.TextChoices):
        """What an API key may do (see accounts/api_keys.py for which routes need which)."""

        READ = "read", _("Read")
        GENERATE = "generate", _("Generate")
        MANAGE = "manage", _("Manage")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="API")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.LOGIN)
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)  # first characters, to tell tokens apart in the UI
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # An API key's scopes (Scope values); login tokens ignore it and hold every scope.
    scopes = models.JSONField(default=list, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        db_table = "api_tokens"

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(
        cls,
        user: User,
        name: str = "API",
        *,
        kind: str = Kind.LOGIN,
        expires_at: datetime | None = None,
        scopes: list[str] | None = None,
    ) -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        if kind == cls.Kind.LOGIN and expires_at is None:
            expires_at = login_token_expiry()
        token = cls.objects.create(
            user=user,
            name=name,
            kind=kind,
            token_hash=hash_token(raw),
            hint=raw[:10],
            expires_at=expires_at,
            # A key made without naming scopes (CLI, older callers) may do everything, as keys always could.
            scopes=list(cls.Scope.values if scopes is None else scopes),
        )
        if kind == cls.Kind.LOGIN:
            # A script logging in on every run would pile up live tokens: keep the newest few.
            live = cls.objects.usable().filter(user=user, kind=kind).order_by("-created_at", "-pk")
            stale = live.values_list("pk", flat=True)[settings.API_MAX_LOGIN_TOKENS :]
            cls.objects.filter(pk__in=list(stale)).update(revoked_at=timezone.now())
        return token, raw

    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def has_scope(self, scope: str) -> bool:
        return self.kind != self.Kind.KEY or scope in self.scopes


class ProviderKey(models.Model):
    """A user's own key for an image provider (fal.ai): their jobs there run on it and cost no studio credits.

    The key is stored encrypted (accounts/provider_keys.py) and never shown again; `last4` tells keys apart.
    """

    class Provider(models.TextChoices):
        FAL = "fal", "fal.ai"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="provider_keys")
    provider = models.CharField(max_length=16, choices=Provider.choices, default=Provider.FAL)
    encrypted_key = models.TextField()  # a Fernet token, never the key itself
    last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "provider_keys"
        constraints = [models.UniqueConstraint(fields=["user", "provider"], name="one_provider_key_per_user")]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} key …{self.last4}"
