"""The JSON API under /api/: one router per domain, bearer-token or session auth, JSON errors."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth

from imagestudio.accounts import api_keys
from imagestudio.accounts.models import ApiToken, hash_token, login_token_expiry
from imagestudio.accounts.services import AccountError
from imagestudio.billing.services import InsufficientCredits
from imagestudio.catalog.params import ParameterError
from imagestudio.collections.services import CollectionError
from imagestudio.gallery.comments import CommentError
from imagestudio.gallery.upload import UploadError
from imagestudio.generation.services import QueueFull
from imagestudio.lib.pagination import BadCursor
from imagestudio.lib.ratelimit import RateLimited
from imagestudio.projects.services import ProjectError
from imagestudio.sharing.services import PasswordRequired, ShareError
from imagestudio.workspaces.services import TeamError

TOKEN_TOUCH_SECONDS = 60


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; only the token's hash is stored. Login tokens slide: each use
    (recorded at most once a minute) pushes their expiry API_TOKEN_TTL_DAYS ahead.

    Every route authenticates here, so this is also where an API key's scopes are enforced, for all
    routes at once (`api_keys.required_scope`): a call the key may not make answers 403."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
        if api_token is None or not api_token.is_usable() or not api_token.user.is_active:
            return None
        scope = api_keys.required_scope(request.method or "GET", request.path_info.removeprefix("/api/"))
        if scope is not None and not api_token.has_scope(scope):
            raise HttpError(403, api_keys.missing_scope_message(scope))
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
            touched = {"last_used_at": now}
            if api_token.kind == ApiToken.Kind.LOGIN:
                touched["expires_at"] = login_token_expiry(now)
            ApiToken.objects.filter(pk=api_token.pk, revoked_at__isnull=True).update(**touched)
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]  # logout revokes exactly this one
        return api_token.user


class JSONParser(Parser):
    """ninja's JSON parser, refusing text with NUL characters anywhere in the body (keys included): PostgreSQL
    cannot store them, and no route should have to remember that. ninja answers a parse failure with 400."""

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        _refuse_nul(data)
        return data


def _refuse_nul(value) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Text must not contain NUL characters.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)


api = NinjaAPI(
    title="AI Image Studio API",
    version="1.0",
    description="Generate, iterate on and manage images. Authenticate with `Authorization: Bearer <token>` "
    "from POST /api/auth/login, or with an API key from Settings → API keys (POST /api/settings/api-keys). "
    "A key holds scopes: `read` (GET), `generate` (starting and steering work: /api/generate/…, image "
    "iterations, prompt refine and variations) and `manage` (every other change); a call outside them "
    "answers 403.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    parser=JSONParser(),
)


@api.exception_handler(ParameterError)
def parameter_error(request, exc: ParameterError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=422)


@api.exception_handler(RateLimited)
def rate_limited(request, exc: RateLimited):
    response = api.create_response(request, {"detail": exc.detail, "retry_after": exc.retry_after}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown paths under /api/ answer JSON like the rest of the API, not the HTML error page."""
    return JsonResponse({"detail": f"No API endpoint at {request.path}. See /api/docs."}, status=404)


@api.exception_handler(AccountError)
def account_error(request, exc: AccountError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=400)


@api.exception_handler(InsufficientCredits)
def insufficient_credits(request, exc: InsufficientCredits):
    body = {"detail": str(exc), "needed": exc.needed, "balance": exc.balance}
    return api.create_response(request, body, status=402)


@api.exception_handler(QueueFull)
def queue_full(request, exc: QueueFull):
    body = {"detail": str(exc), "queued": exc.queued, "limit": exc.limit}
    return api.create_response(request, body, status=429)


@api.exception_handler(BadCursor)
def bad_cursor(request, exc: BadCursor):
    return api.create_response(request, {"detail": str(exc), "field": "cursor"}, status=400)


@api.exception_handler(ProjectError)
def project_error(request, exc: ProjectError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=422)


@api.exception_handler(CollectionError)
def collection_error(request, exc: CollectionError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=422)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "You may not do that."}, status=403)


@api.exception_handler(ShareError)
def share_error(request, exc: ShareError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=422)


@api.exception_handler(PasswordRequired)
def password_required(request, exc: PasswordRequired):
    body = {"detail": f"{exc} Send it in the X-Share-Password header.", "field": "password"}
    return api.create_response(request, body, status=401)


@api.exception_handler(TeamError)
def team_error(request, exc: TeamError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=422)


@api.exception_handler(RequestDataTooBig)
def body_too_big(request, exc: RequestDataTooBig):
    """A body past DATA_UPLOAD_MAX_MEMORY_SIZE (files are not counted: they stream to disk)."""
    detail = gettext("The request body is too large (at most %(max)s bytes here).") % {
        "max": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    }
    return api.create_response(request, {"detail": detail, "field": "body"}, status=413)


@api.exception_handler(UploadError)
def upload_error(request, exc: UploadError):
    """A refused upload (any route taking a file): 413, 415, 422 or 503 as the validator decided."""
    body = {"detail": exc.message, "field": exc.field, "file": exc.filename}
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(CommentError)
def comment_error(request, exc: CommentError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=422)


def _mount() -> None:
    from imagestudio.accountdata.api import router as account_data_router
    from imagestudio.accounts.api import router as auth_router
    from imagestudio.accounts.api_keys_api import router as api_keys_router
    from imagestudio.batches.api import router as batches_router
    from imagestudio.billing.api import credits_router, usage_router
    from imagestudio.billing.api_webhooks import router as billing_webhooks_router
    from imagestudio.catalog.api import router as models_router
    from imagestudio.collections.api import router as collections_router
    from imagestudio.events.api import router as notifications_router
    from imagestudio.gallery.api import public_router as gallery_router
    from imagestudio.gallery.api import router as images_router
    from imagestudio.gallery.api_browse import router as browse_router
    from imagestudio.gallery.api_browse import search_router as image_search_router
    from imagestudio.gallery.api_files import router as files_router
    from imagestudio.gallery.api_import import router as import_router
    from imagestudio.generation.api import images_router as generate_images_router
    from imagestudio.generation.api import router as generate_router
    from imagestudio.generation.api_iterate import generate_router as iterate_generate_router
    from imagestudio.generation.api_iterate import images_router as iterate_images_router
    from imagestudio.preferences.api import router as settings_router
    from imagestudio.projects.api import router as projects_router
    from imagestudio.projects.api import search_router
    from imagestudio.prompts.api import router as prompts_router
    from imagestudio.prompts.api_library import router as library_router
    from imagestudio.prompts.api_library import search_router as prompt_search_router
    from imagestudio.sharing.api import images_router as share_images_router
    from imagestudio.sharing.api import projects_router as share_projects_router
    from imagestudio.sharing.api import router as share_router
    from imagestudio.staff.api import router as staff_router
    from imagestudio.staff.api import staff_only
    from imagestudio.workspaces.api import invitations_router
    from imagestudio.workspaces.api import router as workspaces_router

    api.add_router("/auth", auth_router)
    api.add_router("/settings", api_keys_router)  # /settings/api-keys
    api.add_router("/settings", account_data_router)  # /settings/export, /settings/export/{id}
    api.add_router("/models", models_router)
    api.add_router("/generate", generate_router)
    api.add_router("/generate", iterate_generate_router)
    api.add_router("/generate", batches_router)
    api.add_router("/images", generate_images_router)  # before /images/{id}: its path must match first
    api.add_router("/images", iterate_images_router)
    api.add_router("/images", share_images_router)
    api.add_router("/images", browse_router)  # the list, with every filter and sort
    api.add_router("/images", files_router)  # literal paths (storage, duplicates, export) before /{id}
    api.add_router("/images", import_router)
    api.add_router("/images", images_router)
    api.add_router("/gallery", gallery_router)
    api.add_router("/projects", projects_router)
    api.add_router("/projects", share_projects_router)
    api.add_router("/collections", collections_router)
    api.add_router("/share", share_router)
    api.add_router("/workspaces", workspaces_router)
    api.add_router("/invitations", invitations_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/search", search_router)
    api.add_router("/search", image_search_router)
    api.add_router("/prompts", prompts_router)
    api.add_router("/prompts", library_router)
    api.add_router("/search", prompt_search_router)
    api.add_router("/settings", settings_router)  # "" and /defaults; API keys mount their own router
    # The staff JSON API (Django's HTML admin is /admin/): our authentications, refusing non-staff with 403.
    api.add_router("/admin", staff_router, auth=staff_only([TokenAuth(), django_auth]))
    api.add_router("/usage", usage_router)
    api.add_router("/credits", credits_router)
    api.add_router("/webhooks", billing_webhooks_router)  # /webhooks/stripe: signed by Stripe, no login


_mount()
