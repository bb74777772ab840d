#!/usr/bin/env bash
# Install everything the book needs; safe to run again (what is there is kept).
#   Debian packages: a Korean font for figures, Chromium and its driver for browser tests
#   Python packages: requirements.txt (exact pins), then the book's package, editable
# Once done, building and testing need no network.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES="fonts-nanum chromium chromium-driver"
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
echo "Set-up complete."
