#!/usr/bin/env bash
# Build the whole site from a clean state into _build/site:
#   _build/site/      the Korean edition (the original)
#   _build/site/en/   the English edition
# Every notebook is executed; any Sphinx warning, execution error or stderr output fails
# the build. The two editions build side by side (one per core).
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf _build
mkdir -p _build/logs
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg ATTNLAB_SITE_BUILD=1

build_edition() {  # $1 = ko | en
  local lang=$1 suffix=""
  [ "$lang" = en ] && suffix=".en"
  jupyter-book build . --builder html -n -W --keep-going \
    --config "_config${suffix}.yml" --toc "_toc${suffix}.yml" \
    --path-output "_build/$lang" >"_build/logs/$lang.log" 2>&1
}

build_edition ko & ko_pid=$!
build_edition en & en_pid=$!
status=0
wait "$ko_pid" || { echo "Korean edition failed:"; tail -n 60 _build/logs/ko.log; status=1; }
wait "$en_pid" || { echo "English edition failed:"; tail -n 60 _build/logs/en.log; status=1; }
[ "$status" -eq 0 ] || exit 1

cp -r _build/ko/_build/html _build/site
cp -r _build/en/_build/html _build/site/en
touch _build/site/.nojekyll
echo "Site ready: _build/site/index.html (Korean), _build/site/en/index.html (English)"
