#!/usr/bin/env bash
# Benchmarks of handbill against its peers (issue #7). Installs the peers, then measures:
#   bash benchmarks/run.sh [--scales small,medium,large] [--workloads extract,update,memory]
# Writes benchmarks/RESULTS.md. The peers go into benchmarks/work/peers-venv, never into the
# app's .venv. Needs the app installed first (scripts/setup.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
peers="$here/work/peers-venv"

need_apt=()
command -v msgmerge >/dev/null || need_apt+=(gettext)
command -v po4a-updatepo >/dev/null || need_apt+=(po4a)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi

if [ ! -x "$peers/bin/pybabel" ] || ! "$peers/bin/python" -c "import translate.convert.md2po, mdpo, mistletoe" 2>/dev/null; then
    python3 -m venv "$peers"
    "$peers/bin/pip" install -q --disable-pip-version-check \
        "translate-toolkit[markdown]" mdpo babel pyinstrument
fi

exec "$repo/.venv/bin/python" "$here/run.py" "$@"
