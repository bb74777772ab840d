#!/usr/bin/env bash
# Build the whole site from a clean state into _build/site:
#   _build/site/      the Korean edition (the original)
#   _build/site/en/   the English edition
# Every notebook is executed; any Sphinx warning, execution error or stderr output fails
# the build. The two editions build at the same time, each kernel on one thread (below).
# Only what the build writes is removed first: _build/assignments (the teachers'
# autograder zips, `make assignments`) and anything else in _build stay.
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf _build/ko _build/en _build/site _build/logs _build/training
mkdir -p _build/logs
# No MPLBACKEND here: the kernels must keep their inline backend, or figures vanish.
export PYTHONUNBUFFERED=1
# Explorers render as self-contained HTML, and no widget is created (attnlab/explorer.py).
export ATTNLAB_STATIC_EXPLORERS=1
# The same numbers on every run: one thread per kernel and fixed vector instructions
# (scripts/numerics.env says why; benchmarks/run.py reads the same file).
set -a
# shellcheck source=scripts/numerics.env
. scripts/numerics.env
set +a
# The same kernels from `make site` and from the test suite's site fixture: within
# pytest (PYTEST_CURRENT_TEST set) ipykernel stops capturing its file descriptors, so a
# cell's sys.stderr has no fileno() and C-level output escapes the stderr check.
unset PYTEST_CURRENT_TEST
# The two editions run the same code cells, so each model is trained once for both:
# a kernel keeps what each training run leaves behind here, and the other edition's
# kernel takes it instead of training again (attnlab/training_cache.py; the English
# edition runs its chapters last to first, _ext/attnbook.py). Removed when the build
# ends: nothing trained in one build reaches the next.
export ATTNLAB_TRAINING_CACHE="$PWD/_build/training"
trap 'rm -rf _build/training' EXIT

build_edition() {  # $1 = ko | en
  local lang=$1 suffix=""
  [ "$lang" = en ] && suffix=".en"
  jupyter-book build . --builder html -n -W --keep-going \
    --config "_config${suffix}.yml" --toc "_toc${suffix}.yml" \
    --path-output "_build/$lang" >"_build/logs/$lang.log" 2>&1
}

build_edition ko & ko_pid=$!
build_edition en & en_pid=$!
failed=""
wait "$ko_pid" || failed="$failed ko"
wait "$en_pid" || failed="$failed en"
for lang in $failed; do
  echo "The $lang edition failed to build; the end of _build/logs/$lang.log:"
  tail -n 60 "_build/logs/$lang.log"
done
# the causes last, where the end of a CI log shows them
for lang in $failed; do python3 scripts/build_failure.py "_build/logs/$lang.log"; done
[ -z "$failed" ] || exit 1

cp -r _build/ko/_build/html _build/site
cp -r _build/en/_build/html _build/site/en
touch _build/site/.nojekyll
echo "Site ready: _build/site/index.html (Korean), _build/site/en/index.html (English)"
