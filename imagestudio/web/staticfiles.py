"""How static files are stored and served in production: hashed names, precompressed, cached for good.

`collectstatic` (the Dockerfile runs it) writes a content-hashed copy of every file (app.css becomes
app.3f2a9c1e4b7d.css, with the url()s inside rewritten) and a gzip copy of each text file. WhiteNoise serves
the hashed names with a year-long `immutable` cache header and picks the gzip copy for browsers that accept
it. Without collectstatic (development, the test suite) there is no manifest and `{% static %}` keeps the
plain names, which WhiteNoise serves straight from the apps' folders (WHITENOISE_USE_FINDERS). Once collected,
collect again after rebuilding the assets (the Dockerfile does on every build): the manifest names the old copies.

Our asset sources (imagestudio/web/static/src: the Tailwind input, scripts and images that
scripts/build-assets.mjs builds or copies into dist/) are not collected: pages use dist/ only, and the Tailwind
input's url()s point where the built file lives, so hashing would find them broken.
"""

from __future__ import annotations

from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesConfig(DjangoStaticFilesConfig):
    """django.contrib.staticfiles, with `collectstatic` skipping the asset sources (see above)."""

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, "src"]  # any folder named src: only ours has one


def _without_source_maps(patterns: tuple) -> tuple:
    def is_source_map(pattern: str | tuple[str, str]) -> bool:
        return "sourceMappingURL" in (pattern if isinstance(pattern, str) else pattern[0])

    return tuple((glob, tuple(p for p in rewrites if not is_source_map(p))) for glob, rewrites in patterns)


class StaticStorage(CompressedManifestStaticFilesStorage):
    # References are rewritten to hashed names (url(), @import), but not `sourceMappingURL` comments: vendor
    # builds name .map files we do not ship, and a missing map would fail the whole collectstatic.
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            # Not collected: no manifest yet, or a file built since the last collectstatic. Its plain name still
            # works (served through the finders, with a short cache) where a missing-entry error would be a 500.
            return name
