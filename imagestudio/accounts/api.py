from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.contrib.auth import logout as session_logout
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from imagestudio.accounts import services

router = Router(tags=["auth"])


class RegisterIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    name: str = Field(default="", max_length=150)


class LoginIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class UserOut(Schema):
    id: UUID
    email: str
    name: str
    credits_balance: int
    subscription_tier: str
    email_verified: bool
    created_at: datetime


class TokenOut(Schema):
    token: str = Field(description=f"Bearer token; expires {settings.API_TOKEN_TTL_DAYS} days after its last use")
    user: UserOut


class RegisterOut(Schema):
    token: str | None = Field(
        description="Bearer token, or null while the email must be verified first "
        "(ACCOUNT_EMAIL_VERIFICATION=mandatory): verify, then POST /api/auth/login"
    )
    user: UserOut
    detail: str = Field(description="What happens next (verification email, starting credits)")


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class RateLimitedOut(Schema):
    detail: str
    retry_after: int = Field(description="Seconds to wait; also in the Retry-After header")


@router.post(
    "/register",
    auth=None,
    response={201: RegisterOut, 400: ErrorOut, 429: RateLimitedOut},
    summary="Create an account",
    description="Sends a verification email. While verification is mandatory the answer carries no token "
    "(`token: null`): verify the address, then log in. Starting credits arrive with verification unless "
    "the studio grants them at signup.",
)
def register(request, payload: RegisterIn):
    services.allauth_limit(request, action="signup")
    user = services.register(payload.email, payload.password, payload.name)
    services.send_verification(request, user)
    must_verify = settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
    token = None if must_verify else services.issue_token(user, "API login")
    return Status(201, {"token": token, "user": user, "detail": _next_steps(user, must_verify)})


def _next_steps(user, must_verify: bool) -> str:
    steps = [f"We sent a verification link to {user.email}."]
    if must_verify:
        steps.append("Follow it, then log in (POST /api/auth/login) for a token.")
    if not services.credits_on_signup() and settings.STARTING_CREDITS > 0:
        steps.append(f"Your {settings.STARTING_CREDITS} starting credits arrive when the address is verified.")
    return " ".join(steps)


@router.post(
    "/login",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: RateLimitedOut},
    summary="Log in for a bearer token",
    description="Failed logins are limited per client IP and per email (429 with Retry-After).",
)
def login(request, payload: LoginIn):
    try:
        user = services.authenticate(request, email=payload.email, password=payload.password)
    except services.AuthenticationFailed as exc:
        raise HttpError(401, str(exc)) from None
    if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory" and not user.email_verified:
        raise HttpError(403, "Verify your email address first: follow the link we sent you.")
    return {"token": services.issue_token(user, "API login"), "user": user}


@router.post(
    "/logout",
    response={204: None},
    summary="Revoke the token this request carries",
    description="With a session instead of a token, ends the session.",
)
def logout(request):
    token = getattr(request, "api_token", None)
    if token is not None:
        services.revoke_token(token)
    else:
        session_logout(request)
    return Status(204, None)


@router.get("/me", response=UserOut)
def me(request):
    return request.user
