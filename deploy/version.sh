#!/usr/bin/env bash
# Prints the release version, the <VersionPrefix> of Directory.Build.props (its one home).
# With a git tag (v0.1.0 or 0.1.0), it checks the tag names that version instead, and fails
# naming both when it does not: the release workflow runs this first, so that an image, a tag
# and the binaries' --version never disagree.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's|^ *<VersionPrefix>\([^<]*\)</VersionPrefix> *$|\1|p' "$repo/Directory.Build.props")"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || {
  echo "version.sh: Directory.Build.props has no <VersionPrefix> like 1.2.3 (found '$version')" >&2
  exit 1
}

if (($# > 0)); then
  tag="$1"
  if [[ "${tag#v}" != "$version" ]]; then
    echo "version.sh: tag '$tag' does not name the version in Directory.Build.props ($version); tag v$version, or change <VersionPrefix>" >&2
    exit 1
  fi
fi
echo "$version"
