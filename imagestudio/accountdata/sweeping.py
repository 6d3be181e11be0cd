"""The periodic clean-up of this app: run by `manage.py accountdata_sweep` (cron, or the worker's daily
housekeeping), and by itself on the database worker when an export expires or a grace period ends."""

from __future__ import annotations

from imagestudio.accountdata import deletion, exports


def sweep() -> dict:
    return {"exports_expired": exports.expire_exports(), "accounts_purged": deletion.purge_due()}
