#!/usr/bin/env bash
# Set up handbill on a Debian machine: system packages (apt-get) and a virtual environment.
#   bash scripts/setup.sh          everything needed to build campaigns
#   bash scripts/setup.sh --test   the same, plus what the test suite needs (Chromium, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TESTS=0
[ "${1:-}" = "--test" ] && WITH_TESTS=1

# gettext: msgfmt/msgcat and libunistring (the line breaker handbill shares with msgcat).
# apertium: offline machine drafts, from English into every language Debian 12 packages a
# usable pair for: Spanish, Catalan (and Valencian), Galician, Esperanto (about 8 MB to
# download and 20 s to install on top of apertium-eng-spa). apertium-hbs-eng also drafts
# English -> Serbo-Croatian, but leaves English words in most sentences ("morati biti free");
# the drafting engine offers it wherever it is installed. fonts-noto-*: every script printed.
# libharfbuzz-subset0: fast font subsetting in WeasyPrint (10+ s per CJK PDF without it).
# libpango*, libfribidi0: WeasyPrint's text layout and Pillow's raqm (shaped share cards).
PACKAGES=(gettext apertium apertium-eng-spa apertium-eng-cat apertium-en-gl apertium-eo-en
          fonts-noto-core fonts-noto-cjk
          libharfbuzz-subset0 libfribidi0 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b
          python3-venv poppler-utils)
if [ "$WITH_TESTS" = 1 ]; then
  # chromium: the browser test; po4a: benchmark peer.
  PACKAGES+=(chromium po4a)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# constraints.txt pins the versions the test suite was run with, so a new release upstream
# (Babel 2.19 changed Spanish plural forms from gettext's 2 to CLDR's 3) cannot change what a
# fresh machine builds. Refresh it with `pip freeze --all --exclude-editable`, less pip
# (setuptools stays: the tests build a wheel offline with it).
if [ "$WITH_TESTS" = 1 ]; then
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[test]'
else
  .venv/bin/python -m pip install -q -c constraints.txt -e .
fi
echo "setup: done (.venv/bin/handbill)"
