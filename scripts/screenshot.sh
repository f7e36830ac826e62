#!/usr/bin/env bash
# Renders the offline example digest and photographs it with headless Chromium,
# for docs/digest.png and, at a phone's width, docs/digest-phone.png (both shown
# in the README). Not part of the test suite: pixels differ between Chromium
# versions (scripts/layout/check.mjs measures the layout instead).
#
#   scripts/screenshot.sh [OUTPUT.png]     # the phone picture is OUTPUT-phone.png
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
# No network, no profile, no first-run UI: the page is a local file and the
# screenshot should show only what the email itself contains. Chromium is chatty
# on stderr even when it succeeds, so success is judged by the file it writes.
shoot() {
    rm -f "$1"
    "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d -p "$work")" --hide-scrollbars --window-size="$2" \
        --screenshot="$1" "file://$work/digest.html" >/dev/null 2>&1 || true
    if [ ! -s "$1" ]; then
        echo "screenshot failed: $1 was not written" >&2
        exit 1
    fi
    echo "wrote $1" >&2
}
shoot "$out" 800,2400
shoot "${out%.png}-phone.png" 375,1400
