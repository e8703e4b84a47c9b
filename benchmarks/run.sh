#!/usr/bin/env bash
# Benchmarks of handbill against its peers (issue #7). Installs the peers, then measures:
#   bash benchmarks/run.sh [--scales small,medium,large] [--workloads extract,update,memory]
# Then render, text layer, draft and build (bench_render.py, bench_textlayer.py, bench_draft.py,
# bench_build.py).
# Writes benchmarks/RESULTS.md with every row. The peers go into benchmarks/work/peers-venv, never into the
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

py="$repo/.venv/bin/python"
scales="small,medium"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[$i]}" = "--scales" ] && scales="${args[$((i + 1))]}"
done

# 1. extract, update, memory against the peers (RESULTS.md sections per scale).
"$py" "$here/run.py" "$@"
# 2. render: one leaflet PDF against WeasyPrint alone on the same HTML (shipped project).
{ echo "## render: one leaflet PDF against WeasyPrint alone"; echo;
  echo "Medians of 9 interleaved runs on the shipped campaign, by \`python benchmarks/bench_render.py\`.";
  echo; "$py" "$here/bench_render.py"; } > "$here/RESULTS-render.md"
# 2b. text layer: catalog words that pdftotext gives back, handbill against WeasyPrint alone and Chromium.
{ echo "## text layer: catalog words intact in pdftotext"; echo;
  echo "By \`python benchmarks/bench_textlayer.py\` (issue #17.5; pipeline/render/textlayer.py says what counts).";
  echo; "$py" "$here/bench_textlayer.py"; } > "$here/RESULTS-textlayer.md"
# 2c. render throughput: every language of the shipped campaign against the floor (#18.6b).
"$py" "$here/bench_throughput.py"
# 2d. update, extract and check on the medium corpus, paired with msgmerge -P2 and po4a (#18.6c).
"$py" "$here/bench_update.py"
# 3. draft: 500 messages against a loopback LibreTranslate answering in 50 ms.
"$py" "$here/bench_draft.py"
# 4. build: full (--jobs 1 and 2), no-op, one catalog changed, peak memory.
"$py" "$here/bench_build.py" --scales "$scales"
# RESULTS.md again, now carrying the results of 2-4 as well.
"$py" "$here/run.py" --scales "" --workloads ""
