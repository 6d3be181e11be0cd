#!/usr/bin/env bash
# Update the German catalogs from the marked strings, then compile them (`make messages`).
#
# One run covers the whole studio: makemessages walks imagestudio/, and each file's strings land in the nearest
# locale directory above it — imagestudio/<app>/locale/ for an app that has one, imagestudio/locale/ (the
# project catalog: shared templates, layouts, components, accounts, catalog, …) for everything else.
# The compiled .mo files are committed, so running the studio needs no gettext; run this after changing a
# marked string or a translation (tests/test_i18n_catalogs.py fails when a .mo no longer matches its .po).
# Extra arguments go to makemessages, e.g. `scripts/messages.sh --ignore=gallery`.
set -euo pipefail
cd "$(dirname "$0")/../imagestudio"
PY=../.venv/bin/python
for tool in xgettext msgmerge msgfmt; do
  command -v "$tool" >/dev/null || { echo "GNU gettext is needed ($tool): apt-get install gettext" >&2; exit 1; }
done
# JavaScript carries no user-facing text of its own (pages render it server-side), so no djangojs domain.
$PY ../manage.py makemessages --locale de --extension html,txt,py,jinja --add-location file --no-obsolete \
  --ignore 'static/*' --ignore 'engine/*' --ignore 'falemu/*' --ignore 'migrations/*' "$@"
$PY ../manage.py compilemessages --locale de --ignore 'static/*'
