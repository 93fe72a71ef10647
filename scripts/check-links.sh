#!/usr/bin/env bash
# Checks that every relative link in the repository's Markdown pages names a
# file or folder that exists: inline links [text](path) and reference
# definitions [name]: path. Web addresses and in-page anchors are not
# checked; a #fragment after a path is ignored. Prints each broken link as
# FILE: TARGET and fails if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
broken=0
checked=0
# The pages: those git tracks (a package build's staging folder, such as
# debian/latchd/, holds copies whose relative links point nowhere), or,
# outside a git checkout, every page but the build output's.
pages() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard -- '*.md' | sort -z
  else
    find . -name '*.md' -not -path './target/*' -not -path './fuzz/target/*' \
      -not -path './.git/*' -not -path '*/node_modules/*' -print0 | sort -z
  fi
}
while IFS= read -r -d '' page; do
  dir=$(dirname "$page")
  # Inline links, then reference definitions at the start of a line; code
  # spans are dropped first, so that `a[i](x)` in code is not a link.
  targets=$(sed -e 's/`[^`]*`//g' "$page" |
    { grep -oE '\]\([^) ]+(\s+"[^"]*")?\)' || true; } |
    sed -E 's/^\]\(([^) ]+).*/\1/'
  sed -e 's/`[^`]*`//g' "$page" |
    { grep -oE '^\s*\[[^]]+\]:\s+\S+' || true; } |
    sed -E 's/^\s*\[[^]]+\]:\s+//')
  for target in $targets; do
    case $target in
      http://* | https://* | mailto:* | '#'*) continue ;;
    esac
    path=${target%%#*}
    path=${path#<}
    path=${path%>}
    checked=$((checked + 1))
    if [ ! -e "$dir/$path" ]; then
      echo "$page: $target"
      broken=$((broken + 1))
    fi
  done
done < <(pages)
echo "links: $checked checked, $broken broken"
[ "$broken" = 0 ]
