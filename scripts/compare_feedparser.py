#!/usr/bin/env python3
"""Compare feedletter's reading of feeds with Python's feedparser.

    pip install feedparser
    cargo build
    scripts/compare_feedparser.py DIR [--feedletter target/debug/feedletter]

Reads every file in DIR with feedparser (the reference) and, through a generated
feeds.yaml of `path:` feeds, with `feedletter run --dry-run=json`, then prints how
many of the reference's items feedletter agrees with on title, link and date (within
a day), and the feeds where the reference finds items and feedletter none.

Each feed gets a digest of its own, so that no item is hidden as a duplicate of
another feed's. Items are paired by link, else by title. Titles are compared as text (markup
stripped, entities decoded, whitespace collapsed). Dates are compared only where the
reference has one. Not part of the test suite: it needs Python and feedparser.
"""

import argparse
import calendar
import datetime
import html
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import feedparser

NOW = "2030-01-01T00:00:00Z"


def text(value):
    if value is None:
        return ""
    value = re.sub(r"<[^>]*>", " ", value)
    return " ".join(html.unescape(value).split())


def reference(path):
    parsed = feedparser.parse(str(path))
    items = []
    for entry in parsed.entries:
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        date = (
            datetime.datetime.fromtimestamp(calendar.timegm(stamp), datetime.timezone.utc)
            if stamp
            else None
        )
        items.append({"title": text(entry.get("title")), "link": entry.get("link"), "date": date})
    return items


def feedletter(binary, files):
    with tempfile.TemporaryDirectory() as tmp:
        config = pathlib.Path(tmp) / "feeds.yaml"
        # One digest per feed (picked by a tag of its own), so that the duplicate
        # rule across feeds never hides one feed's items behind another's.
        lines = ["feeds:"]
        for i, path in enumerate(files):
            lines.append(f"  - path: {json.dumps(str(path.resolve()))}")
            lines.append(f"    name: feed-{i}")
            lines.append(f"    tags: [feed-{i}]")
        lines.append("digests:")
        for i in range(len(files)):
            lines += [
                f"  d{i}:",
                "    window: 36000d",
                "    max_items: 1000000",
                f"    tags: {{ include: [feed-{i}] }}",
                "    to: [me@example.com]",
            ]
        config.write_text("\n".join(lines) + "\n")
        run = subprocess.run(
            [binary, "run", "--dry-run=json", "--now", NOW, "-q", "-c", str(config)],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            sys.exit(f"feedletter failed: {run.stderr}")
        doc = json.loads(run.stdout)
    by_feed = {f"feed-{i}": [] for i in range(len(files))}
    for digest in doc["digests"]:
        for item in digest["items"]:
            date = datetime.datetime.fromisoformat(item["date"].replace("Z", "+00:00"))
            by_feed[item["feed"]].append(
                {"title": text(item["title"]), "link": item["link"], "date": date}
            )
    return by_feed


def pair(ref_item, ours, position):
    for key in ("link", "title"):
        if ref_item[key]:
            for candidate in ours:
                if candidate[key] == ref_item[key]:
                    return candidate
    # Neither link nor title to go by: the item in the same place, if counts agree.
    return ours[position] if position < len(ours) else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=pathlib.Path)
    parser.add_argument("--feedletter", default="target/debug/feedletter")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every disagreement")
    args = parser.parse_args()

    files = sorted(p for p in args.dir.iterdir() if p.is_file())
    ours = feedletter(args.feedletter, files)
    totals = {"items": 0, "title": 0, "link": 0, "dated": 0, "date": 0}
    empty = []
    for i, path in enumerate(files):
        ref = reference(path)
        mine = ours[f"feed-{i}"]
        if ref and not mine:
            empty.append(path.name)
        for position, item in enumerate(ref):
            totals["items"] += 1
            match = pair(item, mine if len(mine) == len(ref) else [], position) or pair(item, mine, len(mine))
            same = {
                "title": match is not None and match["title"] == item["title"],
                "link": match is not None and match["link"] == item["link"],
            }
            if item["date"] is not None:
                totals["dated"] += 1
                same["date"] = (
                    match is not None
                    and abs((match["date"] - item["date"]).total_seconds()) <= 86400
                )
            for key, ok in same.items():
                totals[key] += ok
                if not ok and args.verbose:
                    print(f"{path.name}: {key}: feedparser {item.get(key)!r}, "
                          f"feedletter {match and match.get(key)!r}")

    def rate(n, d):
        return f"{n}/{d} ({100 * n / d:.1f}%)" if d else "-"

    print(f"feeds: {len(files)}, reference items: {totals['items']}")
    print(f"title agreement: {rate(totals['title'], totals['items'])}")
    print(f"link agreement:  {rate(totals['link'], totals['items'])}")
    print(f"date agreement:  {rate(totals['date'], totals['dated'])} (within a day, dated items)")
    print(f"feeds the reference reads and feedletter finds empty: {len(empty)}"
          + (f" ({', '.join(empty)})" if empty else ""))


if __name__ == "__main__":
    main()
