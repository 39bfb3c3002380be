#!/usr/bin/env bash
# The roofline of an HTML report (its first plot) as a PNG, rendered by
# headless Chromium as a browser shows it:
#   scripts/roofline_png.sh REPORT.html OUT.png
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 REPORT.html OUT.png" >&2; exit 2; }
html=$1
out=$(realpath -m "$2")
command -v chromium >/dev/null || { echo "needs chromium: apt-get install -y chromium" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The first <svg>…</svg> of the page, alone on a blank page of its own size.
svg=$(awk '/<svg/ { inside = 1 } inside { print } /<\/svg>/ && inside { exit }' "$html")
[ -n "$svg" ] || { echo "$html holds no plot" >&2; exit 1; }
size=$(printf '%s\n' "$svg" | head -1 | sed -E 's/.*width="([0-9]+)" height="([0-9]+)".*/\1,\2/')
printf '<!DOCTYPE html><meta charset="utf-8"><style>body { margin: 0 }</style>\n%s\n' "$svg" >"$tmp/roofline.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$tmp/profile" \
    --window-size="$size" --screenshot="$out" "file://$tmp/roofline.html" 2>/dev/null
echo "roofline: $out"
