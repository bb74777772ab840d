#!/usr/bin/env bash
# Build the whole site from a clean state into _build/site:
#   _build/site/      the Korean edition (the original)
#   _build/site/en/   the English edition
# Every notebook is executed; any Sphinx warning, execution error or stderr output fails
# the build. The editions build one after the other: two PyTorch kernels at once on a
# 2-core machine fight over the cores and run many times slower.
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf _build
mkdir -p _build/logs
# No MPLBACKEND here: the kernels must keep their inline backend, or figures vanish.
export PYTHONUNBUFFERED=1
# Explorers render as self-contained HTML, and no widget is created (attnlab/explorer.py).
export ATTNLAB_STATIC_EXPLORERS=1
# The same numbers on every machine: the prose quotes the outputs to the last digit
# (tests/test_claims.py), and floating-point sums depend on the thread count and on the
# CPU's vector instructions. So the build fixes both: two threads, PyTorch's AVX2
# kernels (even where AVX-512 exists) and MKL's vendor-independent code path.
# benchmarks/run.py uses the same settings (NUMERICS there).
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=COMPATIBLE

build_edition() {  # $1 = ko | en
  local lang=$1 suffix=""
  [ "$lang" = en ] && suffix=".en"
  jupyter-book build . --builder html -n -W --keep-going \
    --config "_config${suffix}.yml" --toc "_toc${suffix}.yml" \
    --path-output "_build/$lang" >"_build/logs/$lang.log" 2>&1
}

for lang in ko en; do
  if ! build_edition "$lang"; then
    echo "The $lang edition failed to build; the end of _build/logs/$lang.log:"
    tail -n 60 "_build/logs/$lang.log"
    exit 1
  fi
done

cp -r _build/ko/_build/html _build/site
cp -r _build/en/_build/html _build/site/en
touch _build/site/.nojekyll
echo "Site ready: _build/site/index.html (Korean), _build/site/en/index.html (English)"
