"""The JSON API under /api/: one router per domain, bearer-token or session auth, JSON errors."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from imagestudio.accounts.models import ApiToken, hash_token
from imagestudio.accounts.services import AccountError
from imagestudio.billing.services import InsufficientCredits
from imagestudio.catalog.params import ParameterError
from imagestudio.web.pagination import BadCursor

TOKEN_TOUCH_SECONDS = 60


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; only the token's hash is stored."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
        if api_token is None or not api_token.is_usable() or not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


api = NinjaAPI(
    title="AI Image Studio API",
    version="1.0",
    description="Generate, iterate on and manage images. Authenticate with `Authorization: Bearer <token>` "
    "from POST /api/auth/login.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(ParameterError)
def parameter_error(request, exc: ParameterError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=422)


@api.exception_handler(AccountError)
def account_error(request, exc: AccountError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=400)


@api.exception_handler(InsufficientCredits)
def insufficient_credits(request, exc: InsufficientCredits):
    body = {"detail": str(exc), "needed": exc.needed, "balance": exc.balance}
    return api.create_response(request, body, status=402)


@api.exception_handler(BadCursor)
def bad_cursor(request, exc: BadCursor):
    return api.create_response(request, {"detail": str(exc), "field": "cursor"}, status=400)


def _mount() -> None:
    from imagestudio.accounts.api import router as auth_router
    from imagestudio.catalog.api import router as models_router
    from imagestudio.gallery.api import router as images_router
    from imagestudio.generation.api import router as generate_router

    api.add_router("/auth", auth_router)
    api.add_router("/models", models_router)
    api.add_router("/generate", generate_router)
    api.add_router("/images", images_router)


_mount()
