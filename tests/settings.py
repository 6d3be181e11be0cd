"""Test defaults, applied before the real settings read the environment (explicit env vars still win)."""

import os
import tempfile

# Unit and integration tests run tasks inline after commit; e2e tests start a real worker instead.
os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("DISABLE_RATE_LIMITS", "true")
os.environ.setdefault("STARTING_CREDITS", "500")
os.environ.setdefault(
    "GRANT_CREDITS_ON", "signup"
)  # most tests want credits at once; verified mode is tested explicitly
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="imagestudio-test-"))
# A file database, like production (WAL, IMMEDIATE transactions): in-memory shared-cache SQLite uses
# table locks that ignore the busy timeout, which concurrency tests would trip over.
os.environ.setdefault("TEST_SQLITE_NAME", os.path.join(os.environ["VAR_DIR"], "test.sqlite3"))
# Parallel runs share one S3 bucket (moto's server, started once by the controlling process): each
# worker keeps its files under its own prefix so storage comparisons see only its own files.
if os.environ.get("S3_BUCKET") and os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("S3_PREFIX", os.environ["PYTEST_XDIST_WORKER"])
os.environ["FAL_KEY"] = ""
os.environ["FAL_API_KEY"] = ""

from imagestudio.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; real hashing is Django's concern

# Parallel runs (pytest -n): every worker inherits the first VAR_DIR; give each its own media folder so
# tests that compare what is in storage before and after see only their own process's files.
if _worker := os.environ.get("PYTEST_XDIST_WORKER"):
    MEDIA_ROOT = MEDIA_ROOT / _worker  # noqa: F405
