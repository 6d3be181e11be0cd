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
$PY ../manage.py makemessages --locale de --extension html,txt,py,jinja --add-location file --no-obsolete \
  --ignore 'static/*' --ignore 'engine/*' --ignore 'falemu/*' --ignore 'migrations/*' "$@"
# The text our scripts build (toasts, labels): the djangojs domain, served by /jsi18n/. Only the sources: the
# built copies in static/dist (and vendor files) would add their strings a second time.
$PY ../manage.py makemessages --domain djangojs --locale de --add-location file --no-obsolete \
  --ignore 'dist/*' --ignore 'vendor/*' --ignore 'node_modules/*' "$@"
$PY ../manage.py compilemessages --locale de --ignore 'static/*'
