from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from imagestudio.accounts.http import AuthenticatedRequest
from imagestudio.accounts.services import send_verification
from imagestudio.demo import services
from imagestudio.demo.access import is_demo
from imagestudio.demo.keep import KeepError, keep_demo
from imagestudio.lib.ratelimit import client_ip, limit


def demo_enabled(view: Callable) -> Callable:
    """With DEMO_ENABLED off the demo's pages do not exist."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.DEMO_ENABLED:
            raise Http404("The demo is switched off.")
        return view(request, *args, **kwargs)

    return wrapped


@demo_enabled
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """ "Try demo": a fresh demo account with sample content, signed in, on its dashboard."""
    if request.user.is_authenticated:  # a signed-in person (demo or not) keeps their session
        return redirect("dashboard")
    limit(request, action="demo", rate=settings.DEMO_RATE_LIMIT, key=f"ip:{client_ip(request)}")
    user = services.start_demo()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, gettext("Welcome to the demo! Your sample projects are ready — try generating an image."))
    return redirect("dashboard")


class KeepForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"), max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


@demo_enabled
@login_required
def keep(request: AuthenticatedRequest) -> HttpResponse:
    """Sign up from the demo: the demo account becomes the visitor's own, with everything made in it."""
    if not is_demo(request.user):
        return redirect("dashboard")
    form = KeepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = keep_demo(user=request.user, email=data["email"], password=data["password"], name=data["name"])
        except KeepError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            update_session_auth_hash(request, user)  # the new password must not sign this browser out
            send_verification(request, user)
            messages.success(
                request,
                gettext("Your account is ready and your work is kept. Check your inbox to verify your address."),
            )
            return redirect("dashboard")
    context = {"form": form, "remaining": services.remaining(request.user)}
    return render(request, "demo/keep.html", context, status=422 if form.errors else 200)
