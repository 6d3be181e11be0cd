from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.contrib.auth import logout as session_logout
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from imagestudio.accountdata.deletion import pending_deletion
from imagestudio.accounts import self_service, services
from imagestudio.accounts.audit import security_event

router = Router(tags=["auth"])


class RegisterIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    name: str = Field(default="", max_length=150)


class LoginIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    code: str | None = Field(
        default=None, max_length=64, description="With two-factor on: an authenticator-app code or a recovery code"
    )


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
    description="Failed logins are limited per client IP and per email (429 with Retry-After). With two-factor "
    'authentication on, a password alone answers 401 with `field: "code"`: send `code` too.',
)
def login(request, payload: LoginIn):
    try:
        user = services.authenticate(request, email=payload.email, password=payload.password)
    except services.AuthenticationFailed as exc:
        raise HttpError(401, str(exc)) from None
    try:
        self_service.second_factor_check(request=request, user=user, code=payload.code)
    except services.AccountError as exc:
        return Status(401, {"detail": exc.message, "field": "code"})
    if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory" and not user.email_verified:
        raise HttpError(403, "Verify your email address first: follow the link we sent you.")
    if pending_deletion(user) is not None:
        # The website lets them in only to keep the account; a token would let a script carry on regardless.
        raise HttpError(
            403, "This account is scheduled for deletion. Sign in on the website and keep it to use the API."
        )
    security_event(user=user, verb="login", request=request, data={"method": "api"})
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
        if token.kind == token.Kind.KEY:
            security_event(
                user=request.user,
                verb="api_key_revoked",
                request=request,
                data={"name": token.name, "prefix": token.hint},
            )
    else:
        session_logout(request)
    return Status(204, None)


@router.get("/me", response=UserOut)
def me(request):
    return request.user


class VerifyEmailIn(Schema):
    key: str = Field(max_length=400, description="The last part of the emailed link /accounts/confirm-email/<key>/")


class ForgotPasswordIn(Schema):
    email: str = Field(max_length=254)


class ResetPasswordIn(Schema):
    key: str = Field(
        max_length=400, description="The last part of the emailed link /accounts/password/reset/key/<key>/"
    )
    password: str = Field(max_length=256)


class ProfileIn(Schema):
    name: str = Field(max_length=150)
    email: str | None = Field(
        default=None,
        max_length=254,
        description="A new address: it is added unverified and sent a link; the account switches to it once verified",
    )


class ChangePasswordIn(Schema):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class DetailOut(Schema):
    detail: str


class ProfileOut(Schema):
    user: UserOut
    pending_email: str | None = Field(description="The address waiting for verification, if a change was asked")
    detail: str


class PasswordChangedOut(Schema):
    detail: str
    token: str | None = Field(
        description="A password change revokes every token of the account; a bearer call gets a fresh one here"
    )


@router.post(
    "/verify-email",
    auth=None,
    response={200: UserOut, 400: ErrorOut, 429: RateLimitedOut},
    summary="Verify an email address",
    description="With the key from the verification email. Verifying a changed address makes it the account's "
    "address. 400 (`field: key`) for an unknown, expired or used key.",
)
def verify_email(request, payload: VerifyEmailIn):
    address = self_service.email_verify(request=request, key=payload.key)
    return address.user


@router.post(
    "/forgot-password",
    auth=None,
    response={202: DetailOut, 400: ErrorOut, 429: RateLimitedOut},
    summary="Email a password reset link",
    description="Answers 202 whether or not the address has an account (no account enumeration). "
    "400 (`field: email`) for a malformed address; limited per IP and per address.",
)
def forgot_password(request, payload: ForgotPasswordIn):
    self_service.password_reset_request(request=request, email=payload.email)
    return Status(202, {"detail": "If an account uses this address, a reset link is on its way."})


@router.post(
    "/reset-password",
    auth=None,
    response={200: DetailOut, 400: ErrorOut, 429: RateLimitedOut},
    summary="Set a new password with the emailed reset key",
    description="400 with `field: key` for an invalid or used key, `field: password` when the password is "
    "refused (too short, too common…). Every API token of the account is revoked.",
)
def reset_password(request, payload: ResetPasswordIn):
    self_service.password_reset(request=request, key=payload.key, password=payload.password)
    return {"detail": "Your password is changed. Log in with it (POST /api/auth/login)."}


@router.put(
    "/profile",
    response={200: ProfileOut, 400: ErrorOut, 401: ErrorOut, 429: RateLimitedOut},
    summary="Update your name (and start an email change)",
    description="A different `email` is added unverified and sent a verification link; the account switches "
    "to it once verified (POST /api/auth/verify-email). 400 with `field` for a bad name or address.",
)
def update_profile(request, payload: ProfileIn):
    pending = self_service.profile_update(request=request, user=request.user, name=payload.name, email=payload.email)
    detail = f"We sent a verification link to {pending}." if pending else "Profile saved."
    return {"user": request.user, "pending_email": pending, "detail": detail}


@router.put(
    "/change-password",
    response={200: PasswordChangedOut, 400: ErrorOut, 401: ErrorOut, 429: RateLimitedOut},
    summary="Change your password",
    description="400 with `field: current_password` when it is wrong, `field: new_password` when the new one "
    "is refused. Revokes every API token of the account; a bearer call receives a new one.",
)
def change_password(request, payload: ChangePasswordIn):
    try:
        self_service.password_change(
            request=request,
            user=request.user,
            current_password=payload.current_password,
            new_password=payload.new_password,
        )
    except services.AccountError as exc:
        if exc.field == "password":
            exc.field = "new_password"
        raise
    token = services.issue_token(request.user, "API login") if getattr(request, "api_token", None) else None
    return {"detail": "Your password is changed.", "token": token}
