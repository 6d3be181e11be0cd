from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.contrib.auth import authenticate
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.throttling import AnonRateThrottle
from pydantic import Field

from imagestudio.accounts import services

router = Router(tags=["auth"])
auth_throttle = [AnonRateThrottle("20/m")] if not getattr(settings, "DISABLE_RATE_LIMITS", False) else []


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
    token: str
    user: UserOut


@router.post("/register", auth=None, response={201: TokenOut}, throttle=auth_throttle)
def register(request, payload: RegisterIn):
    user = services.register(payload.email, payload.password, payload.name)
    services.send_verification(request, user)
    return Status(201, {"token": services.issue_token(user, "API login"), "user": user})


@router.post("/login", auth=None, response=TokenOut, throttle=auth_throttle)
def login(request, payload: LoginIn):
    user = authenticate(request, username=payload.email.strip().lower(), password=payload.password)
    if user is None:
        raise HttpError(401, "Wrong email or password.")
    if settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory" and not user.email_verified:
        raise HttpError(403, "Verify your email address first: follow the link we sent you.")
    return {"token": services.issue_token(user, "API login"), "user": user}


@router.get("/me", response=UserOut)
def me(request):
    return request.user
