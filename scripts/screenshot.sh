#!/usr/bin/env bash
# Renders the offline example digest and photographs it with headless Chromium,
# for docs/digest.png (shown in the README). Not part of the test suite: it needs
# a browser, and pixels differ between Chromium versions.
#
#   scripts/screenshot.sh [OUTPUT.png]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/docs/digest.png}"
cd "$root"

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
        browser="$candidate"
        break
    fi
done
if [ -z "$browser" ]; then
    echo "chromium not found; installing it (Debian package \`chromium\`)" >&2
    apt-get install -y chromium >&2
    browser=chromium
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --quiet
cargo run --quiet -- run -c examples/offline.yaml --dry-run=html \
    --now 2026-05-14T07:00:00Z --out "$work/digest.html"

# The browser runs offline, so the feed's remote pictures would show as blocked
# images; a local stand-in picture takes their place to show what a reader sees.
sed -i -E "s#src=\"https://[^\"]*\" width=#src=\"file://$root/scripts/screenshot-cover.svg\" width=#g" \
    "$work/digest.html"

mkdir -p "$(dirname "$out")"
rm -f "$out"
# No network, no profile, no first-run UI: the page is a local file and the
# screenshot should show only what the email itself contains. Chromium is chatty
# on stderr even when it succeeds, so success is judged by the file it writes.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$work")" --hide-scrollbars --window-size=800,2400 \
    --screenshot="$out" "file://$work/digest.html" >/dev/null 2>&1 || true
if [ ! -s "$out" ]; then
    echo "screenshot failed: $out was not written" >&2
    exit 1
fi
echo "wrote $out" >&2
