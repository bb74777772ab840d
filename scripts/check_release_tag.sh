#!/usr/bin/env bash
# A release tag must be v<attnlab.__version__>: the version that every chapter's setup
# cell installs in Colab. Used by .github/workflows/book.yml before publishing.
#   bash scripts/check_release_tag.sh v0.1.0
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:?usage: bash scripts/check_release_tag.sh TAG}
version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' attnlab/__init__.py)
if [ "$tag" != "v$version" ]; then
  echo "The tag $tag does not name attnlab's version $version:" \
    "tag v$version, or change __version__ in attnlab/__init__.py first." >&2
  exit 1
fi
echo "The tag $tag names attnlab $version."
