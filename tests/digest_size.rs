//! Gmail clips a message whose HTML is over 102,400 bytes. A full default digest
//! stays under it; a `content: full` digest that would not falls back to excerpts
//! for its last items and says so on stderr. Plus snapshots of a grouped digest.

pub mod support;

use std::path::{Path, PathBuf};

use regex::Regex;
use support::{dev_feed_copies, repo_root, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";

fn preview(config: &Path, digest: &str, format: &str) -> (String, String) {
    support::preview(config, digest, format, NOW)
}
const GMAIL_CLIP_BYTES: usize = 102_400;

fn digest_config(dir: &Path, feed: &str, digest: &str) -> PathBuf {
    let feed_path = dir.join("feed.rss");
    std::fs::write(&feed_path, feed).expect("write feed");
    write_config(
        dir,
        &format!(
            "feeds:\n  - path: {}\n    name: DEV Community\n    tags: [dev]\ndigests:\n  seed:\n{digest}",
            feed_path.display()
        ),
    )
}

#[test]
fn sixty_seed_sized_items_fit_gmail_and_the_text_part_is_plain() {
    let dir = tempfile::tempdir().unwrap();
    let config = digest_config(
        dir.path(),
        &dev_feed_copies(5),
        "    window: 30d\n    max_items: 60\n    to: [me@example.com]\n",
    );
    let (html, stderr) = preview(&config, "seed", "html");
    assert_eq!(html.matches(r#"<td class="item""#).count(), 60);
    eprintln!("60-item digest: {} bytes of HTML", html.len());
    assert!(
        html.len() < GMAIL_CLIP_BYTES,
        "{} bytes: Gmail would clip it",
        html.len()
    );
    assert!(!stderr.contains("warning"), "{stderr}");

    let (text, _) = preview(&config, "seed", "text");
    assert_eq!(text.matches("\n* ").count(), 60);
    let tag = Regex::new(r"<[a-zA-Z/!?]").expect("regex");
    assert!(tag.find(&text).is_none(), "a tag in the text part");
    let entity = Regex::new(r"&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#x[0-9a-fA-F]+);").expect("regex");
    assert!(entity.find(&text).is_none(), "an entity in the text part");
    for line in text.lines() {
        let url = line.trim();
        let is_url = url.starts_with("https://") && !url.contains(' ');
        assert!(
            is_url || feedletter::text::columns(line) <= 78,
            "over 78 columns: {line:?}"
        );
    }
}

#[test]
fn a_hundred_seed_sized_items_with_images_fit_gmail_with_their_footer() {
    let dir = tempfile::tempdir().unwrap();
    let config = digest_config(
        dir.path(),
        &dev_feed_copies(9),
        "    window: 30d\n    max_items: 100\n    to: [me@example.com]\n",
    );
    let (html, stderr) = preview(&config, "seed", "html");
    eprintln!("100-item digest with images: {} bytes of HTML", html.len());
    assert!(
        html.len() <= GMAIL_CLIP_BYTES,
        "{} bytes: Gmail would clip it",
        html.len()
    );
    assert_eq!(html.matches(r#"<td class="item""#).count(), 100);
    assert!(
        html.matches(r#"<img class="lead""#).count() >= 10,
        "images are shown"
    );
    // The footer: what was cut, and the signature line.
    assert!(html.contains("8 more items not shown"), "footer");
    assert!(html.contains("Made by feedletter"), "footer");
    assert!(html.trim_end().ends_with("</html>"));
    assert!(stderr.contains("warning: digest seed:"), "{stderr}");
}

#[test]
fn a_hundred_and_fifty_items_keep_every_title_and_the_footer() {
    let dir = tempfile::tempdir().unwrap();
    let config = digest_config(
        dir.path(),
        &dev_feed_copies(13),
        "    window: 30d\n    max_items: 150\n    to: [me@example.com]\n",
    );
    let (html, stderr) = preview(&config, "seed", "html");
    assert!(html.len() <= GMAIL_CLIP_BYTES, "{} bytes", html.len());
    // Every item is there; the last ones by title alone.
    assert_eq!(html.matches(r#"<td class="item""#).count(), 150);
    let excerpts = html.matches(r#"<p class="excerpt">"#).count();
    assert!((1..150).contains(&excerpts), "{excerpts} excerpts");
    let last = html.rfind(r#"<td class="item""#).expect("items");
    assert!(
        !html[last..].contains(r#"class="excerpt""#),
        "the last item has its excerpt"
    );
    assert!(html.contains("items shortened to keep this email whole"));
    assert!(html.contains("6 more items not shown") && html.contains("Made by feedletter"));
    let titles_only = 150 - excerpts;
    assert!(
        stderr.contains(&format!(
            "the last {titles_only} of 150 items show only their titles"
        )),
        "{stderr}"
    );
}

/// Items with about 12 KB of HTML each: eight in full would already be too many.
fn big_feed(items: usize) -> String {
    let mut feed = String::from(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Long Reads</title><link>https://long.example/</link>\n",
    );
    let paragraph = "&lt;p&gt;A long paragraph about feeds, mail clients and the size of \
                     things, repeated so that the item is as long as a real essay.&lt;/p&gt;";
    for n in 1..=items {
        feed.push_str(&format!(
            "<item><guid>long-{n}</guid><title>Long read {n}</title><link>https://long.example/{n}</link>\
             <pubDate>Wed, 13 May 2026 {:02}:00:00 +0000</pubDate>\
             <description>{}&lt;p&gt;END-OF-ITEM-{n}&lt;/p&gt;</description></item>\n",
            23 - n,
            paragraph.repeat(80),
        ));
    }
    feed.push_str("</channel></rss>\n");
    feed
}

#[test]
fn an_oversized_full_digest_shows_its_last_items_as_excerpts_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let config = digest_config(
        dir.path(),
        &big_feed(20),
        "    window: 30d\n    content: full\n    to: [me@example.com]\n",
    );
    let (html, stderr) = preview(&config, "seed", "html");
    assert!(
        html.len() <= GMAIL_CLIP_BYTES,
        "{} bytes: Gmail would clip it",
        html.len()
    );
    assert!(
        stderr.contains("warning: digest seed:") && stderr.contains("as excerpts"),
        "{stderr}"
    );
    // Newest first: the first items keep their full text, the last are excerpts,
    // and every item is still there.
    assert!(html.contains("END-OF-ITEM-1<"), "first item in full");
    assert!(!html.contains("END-OF-ITEM-20<"), "last item shortened");
    assert_eq!(html.matches(r#"<td class="item""#).count(), 20);
    assert!(html.contains("Long read 20</a>"));
    assert!(
        html.contains("shortened to keep this email whole"),
        "the footer says so"
    );
    let full_items = (1..=20)
        .filter(|n| html.contains(&format!("END-OF-ITEM-{n}<")))
        .count();
    assert!(full_items >= 5, "as many in full as fit: {full_items}");

    // The text part follows the HTML part's choice.
    let (text, _) = preview(&config, "seed", "text");
    assert!(text.contains("END-OF-ITEM-1\n"));
    assert!(!text.contains("END-OF-ITEM-20"));
}

#[test]
fn a_full_digest_that_fits_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let config = digest_config(
        dir.path(),
        &big_feed(3),
        "    window: 30d\n    content: full\n    to: [me@example.com]\n",
    );
    let (html, stderr) = preview(&config, "seed", "html");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!((1..=3).all(|n| html.contains(&format!("END-OF-ITEM-{n}<"))));
}

/// A digest grouped by tag, with dates in a time zone other than UTC.
fn grouped_config(dir: &Path) -> PathBuf {
    let feeds = repo_root().join("examples/feeds");
    write_config(
        dir,
        &format!(
            r#"
feeds:
  - path: {feeds}/dev-community.rss
    name: DEV Community
  - path: {feeds}/rust-notes.atom
    tags: [rust]
  - path: {feeds}/small-web.json
digests:
  by-tag:
    window: 7d
    tags: {{ include: [rust, ai, webdev] }}
    keywords: {{ exclude: ["(?i)sponsored"] }}
    max_items: 8
    group_by: tag
    timezone: Asia/Bangkok
    to: [me@example.com]
"#,
            feeds = feeds.display()
        ),
    )
}

#[test]
fn grouped_digest_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let config = grouped_config(dir.path());
    let (html, _) = preview(&config, "by-tag", "html");
    let (text, _) = preview(&config, "by-tag", "text");
    // Bangkok is UTC+7: the newest Rust note (05:30 UTC) is at 12:30.
    assert!(text.contains("14 May 2026, 12:30"), "{text}");
    assert!(html.contains(r#"<td class="section""#));
    insta::assert_snapshot!("grouped_html", html);
    insta::assert_snapshot!("grouped_text", text);
}
