#!/usr/bin/env bash
# Builds the Debian packages with Debian's own commands, checks them with
# lintian (no error, no warning) and puts them in target/debian/:
#   scripts/build-debs.sh            amd64 and arm64 (cross)
#   scripts/build-debs.sh amd64      one architecture
# Needs what .ci/run installs: debhelper, lintian, crossbuild-essential-arm64
# with libc6:arm64 (dpkg --add-architecture arm64), and the rustup targets.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(dpkg-parsechangelog -S Version)
out=target/debian
mkdir -p "$out"
native=$(dpkg --print-architecture)
for arch in "${@:-amd64 arm64}"; do
  for a in $arch; do
    echo "build-debs: $a"
    if [ "$a" = "$native" ]; then
      dpkg-buildpackage -b -us -uc
    else
      dpkg-buildpackage -a "$a" -b -us -uc
    fi
    # dpkg-buildpackage writes beside the checkout, as Debian does.
    changes=../latchd_${version}_$a.changes
    lintian --fail-on error,warning "$changes"
    echo "build-debs: lintian: no errors or warnings for $a"
    for f in $(awk '/^Files:/ {p=1; next} /^[^ ]/ {p=0} p {print $5}' "$changes"); do
      mv "../$f" "$out/"
    done
    mv "$changes" "$out/"
  done
done
ls -l "$out"
