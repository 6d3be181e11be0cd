"""Production settings (check --deploy clean, HSTS/SSL behind a proxy), secrets on disk, the CSP's image
hosts, JSON 404s under /api/, and a /healthz that neither writes on every call nor leaks exception text."""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from imagestudio.web import health

ROOT = Path(__file__).resolve().parent.parent
# The suite's own choices that production does not make; dropped so the subprocess sees a clean env.
SUITE_ONLY = (
    "TEST_SQLITE_NAME",
    "TASKS_BACKEND",
    "DISABLE_RATE_LIMITS",
    "GRANT_CREDITS_ON",
    "DEBUG",
    "SECRET_KEY",
    "AUTH_SECRET",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ADDRESSING_STYLE",
    "REDIS_URL",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DJANGO_SETTINGS_MODULE",
)


def studio_env(tmp_path: Path, **overrides: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in SUITE_ONLY}
    env.update(
        DJANGO_SETTINGS_MODULE="imagestudio.settings",
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **overrides,
    )
    return env


def production_env(tmp_path: Path, **overrides: str) -> dict:
    production = {
        "DEBUG": "false",
        "APP_URL": "https://studio.example.com",
        "ALLOWED_HOSTS": "studio.example.com",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_HOST": "smtp.example.com",
    }
    return studio_env(tmp_path, **{**production, **overrides})


def settings_in(env: dict, *names: str) -> dict:
    """The named settings as a fresh process computes them from `env`."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_finds_nothing_in_a_production_like_env(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_still_warns_about_a_plain_http_setup(tmp_path):
    # The check above could pass by silencing everything; this shows it still looks.
    env = production_env(tmp_path, APP_URL="http://studio.example.com")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS
    assert "security.W008" in result.stderr + result.stdout  # no SSL redirect


def test_https_app_url_turns_on_hsts_ssl_redirect_and_the_proxy_header(tmp_path):
    values = settings_in(
        production_env(tmp_path),
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    )
    assert values == {
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    local = settings_in(studio_env(tmp_path), "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER")
    assert local == {"SECURE_HSTS_SECONDS": 0, "SECURE_SSL_REDIRECT": False, "SECURE_PROXY_SSL_HEADER": None}


def test_behind_the_proxy_https_requests_get_hsts_and_plain_ones_a_redirect_except_healthz(settings, catalog):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    plain = Client().get("/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = Client(headers={"x-forwarded-proto": "https"}).get("/")
    assert secure.status_code == 200 and "max-age=31536000" in secure["Strict-Transport-Security"]
    assert Client().get("/healthz").status_code in (200, 503)  # load balancers probe over http


def test_the_generated_secret_key_file_is_private(tmp_path):
    settings_in(studio_env(tmp_path), "DEBUG")
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_text()
    settings_in(studio_env(tmp_path), "DEBUG")
    assert key_file.read_text() == first and len(first) >= 50  # kept, not regenerated


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("path", ["https://s3.amazonaws.com/my-bucket/", "https://s3.eu-west-1.amazonaws.com/my-bucket/"]),
        ("virtual", ["https://my-bucket.s3.amazonaws.com", "https://my-bucket.s3.eu-west-1.amazonaws.com"]),
    ],
)
def test_images_from_aws_s3_are_allowed_from_our_bucket_only(tmp_path, style, expected):
    env = studio_env(tmp_path, S3_BUCKET="my-bucket", S3_REGION="eu-west-1", S3_ADDRESSING_STYLE=style)
    img_src = settings_in(env, "SECURE_CSP")["SECURE_CSP"]["img-src"]
    assert not any("*" in source for source in img_src)
    assert all(origin in img_src for origin in expected)
    endpoint = settings_in(
        studio_env(tmp_path, S3_BUCKET="b", S3_ENDPOINT_URL="https://minio.example.com:9000/"), "MEDIA_ORIGINS"
    )
    assert endpoint == {"MEDIA_ORIGINS": ["https://minio.example.com:9000"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/nope"),
        ("get", "/api/generate/nothing-here"),
        ("post", "/api/auth/nope"),
        ("get", "/api/images/a/b/c/"),
    ],
)
def test_unknown_api_paths_answer_json_404(method, path):
    response = getattr(Client(), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "No API endpoint" in response.json()["detail"]


@pytest.mark.django_db
def test_unknown_pages_keep_the_html_404():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.fixture
def fresh_probe():
    health.reset_storage_probe()
    yield
    health.reset_storage_probe()


@pytest.mark.django_db
def test_healthz_probes_storage_at_most_once_a_minute(fresh_probe, monkeypatch):
    saves = []
    real_save = default_storage.save
    monkeypatch.setattr(
        default_storage, "save", lambda *args, **kwargs: saves.append(args) or real_save(*args, **kwargs)
    )
    for _ in range(5):
        assert Client().get("/healthz").json()["checks"]["storage"]["ok"] is True
    assert len(saves) == 1
    later = health.time.monotonic() + health.STORAGE_PROBE_TTL + 1
    monkeypatch.setattr(health, "time", SimpleNamespace(monotonic=lambda: later))  # a minute on: probed again
    Client().get("/healthz")
    assert len(saves) == 2


@pytest.mark.django_db
def test_healthz_hides_exception_text_from_anonymous_callers(fresh_probe, monkeypatch):
    def broken(*args, **kwargs):
        raise PermissionError("[Errno 13] Permission denied: '/srv/secret/media/healthz'")

    monkeypatch.setattr(default_storage, "save", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"ok": False, "error": "storage unavailable"}
    assert "/srv/secret" not in response.content.decode()
    detailed = health.check_all(detailed=True)  # what staff may see
    assert "Permission denied: '/srv/secret/media/healthz'" in detailed["checks"]["storage"]["error"]


def test_docker_compose_requires_a_secret_key_and_publishes_no_database_or_minio_port():
    import yaml  # from moto's dependencies (dev only)

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["x-studio-env"]["SECRET_KEY"].startswith("${SECRET_KEY:?")
    for service in ("postgres", "minio", "minio-setup"):
        assert "ports" not in compose["services"][service], service
    published = [port for spec in compose["services"].values() for port in spec.get("ports", [])]
    assert not any(port.split(":")[-1] in {"5432", "9000", "9001", "1025"} for port in published), published


def test_redis_url_switches_the_shared_cache_to_redis(tmp_path):
    caches = settings_in(studio_env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/3"), "CACHES")["CACHES"]
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert caches["default"]["LOCATION"] == "redis://127.0.0.1:6379/3"
    default = settings_in(studio_env(tmp_path), "CACHES")["CACHES"]
    assert default["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
