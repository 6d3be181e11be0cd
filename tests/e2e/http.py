"""The end-to-end tests' API calls: httpx's functions with a generous timeout. On a loaded CI machine the
studio can take longer than httpx's default 5 s to answer (hashing a new password while the worker renders
and two browsers run), and a timeout there says nothing about the behaviour under test."""

from __future__ import annotations

from functools import partial

import httpx

TIMEOUT = 60.0

get = partial(httpx.get, timeout=TIMEOUT)
post = partial(httpx.post, timeout=TIMEOUT)
put = partial(httpx.put, timeout=TIMEOUT)
patch = partial(httpx.patch, timeout=TIMEOUT)
delete = partial(httpx.delete, timeout=TIMEOUT)
