"""fal.ai webhook endpoint: verify the Ed25519 signature over the raw body, record, answer fast."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from imagestudio.generation import fal_jobs
from imagestudio.generation.providers.fal import fetch_jwks, signature_headers_ok, verify_webhook

log = logging.getLogger(__name__)


def _verified(request: HttpRequest) -> bool:
    if not signature_headers_ok(request.headers):
        return False  # unsigned or stale: refused before any key is fetched
    raw = request.body  # the exact bytes: re-serialised JSON would break the signature
    urls = fal_jobs.jwks_urls()
    if verify_webhook(request.headers, raw, fetch_jwks(urls)):
        return True
    # Keys may have rotated since we cached them: look once more (at most once a minute) before rejecting.
    return verify_webhook(request.headers, raw, fetch_jwks(urls, refresh=True))


@csrf_exempt
@require_POST
def fal_webhook(request: HttpRequest) -> JsonResponse:
    if not _verified(request):
        log.warning("Rejected a fal webhook with a bad or missing signature")
        return JsonResponse({"detail": "Invalid webhook signature."}, status=401)
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "Body is not JSON."}, status=400)
    return JsonResponse({"status": fal_jobs.accept_webhook(body)})
