#!/usr/bin/env bash
# Translation catalogues: extract, update and compile.
#
#   scripts/i18n.sh update    extract every msgid (babel.cfg) into portal/translations/messages.pot,
#                             then update the pl and en catalogues (init a missing one)
#   scripts/i18n.sh compile   compile every catalogue to .mo (the .mo files are git-ignored;
#                             `make install` runs this); safe to run again and again
#
# PYBABEL names the pybabel executable (default: pybabel on PATH).
set -euo pipefail

PYBABEL="${PYBABEL:-pybabel}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRANSLATIONS="portal/translations"
POT="$TRANSLATIONS/messages.pot"
LOCALES=(pl en)

cd "$ROOT"

usage() {
    echo "usage: $0 {update|compile}" >&2
    exit 2
}

update() {
    "$PYBABEL" --quiet extract -F babel.cfg -k _l --sort-by-file \
        --project "Programme Portal" --copyright-holder "Programme Portal" \
        --no-wrap -o "$POT" .
    local locale po
    for locale in "${LOCALES[@]}"; do
        po="$TRANSLATIONS/$locale/LC_MESSAGES/messages.po"
        if [[ -f "$po" ]]; then
            "$PYBABEL" --quiet update --no-wrap --ignore-obsolete -i "$POT" -d "$TRANSLATIONS" -l "$locale"
        else
            "$PYBABEL" --quiet init --no-wrap -i "$POT" -d "$TRANSLATIONS" -l "$locale"
        fi
    done
}

compile() {
    # --use-fuzzy is deliberately absent: a fuzzy entry falls back to the English msgid.
    "$PYBABEL" --quiet compile -d "$TRANSLATIONS"
}

[[ $# -eq 1 ]] || usage
case "$1" in
    update) update ;;
    compile) compile ;;
    *) usage ;;
esac
