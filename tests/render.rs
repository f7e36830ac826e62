//! The rendered digest is safe and email-grade: a hostile feed leaves nothing active
//! in either part, relative URLs become absolute, and the CSS is inlined.
//! Driven through the binary, the way a user previews a digest.

pub mod support;

use std::path::{Path, PathBuf};

use regex::Regex;
use support::{FeedServer, Route, repo_root, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";

fn preview(config: &Path, digest: &str, format: &str) -> (String, String) {
    support::preview(config, digest, format, NOW)
}

/// The hostile fixture under two digests: `full` (sanitized feed HTML) and `short`
/// (excerpts, the default). The subject quotes the first title, which has a CRLF in it.
fn hostile_config(dir: &Path) -> PathBuf {
    let fixture = repo_root().join("tests/fixtures/hostile.rss");
    write_config(
        dir,
        &format!(
            r#"
feeds:
  - path: {fixture}
digests:
  full:
    window: 30d
    content: full
    subject: "{{{{ items[0].title }}}}"
    to: [me@example.com]
  short:
    window: 30d
    to: [me@example.com]
smtp:
  host: smtp.example.com
  from: "Feedletter <digest@example.com>"
"#,
            fixture = fixture.display()
        ),
    )
}

/// Markers that only the hostile parts of the fixture carry.
const HOSTILE_MARKERS: &[&str] = &["steal", "attacker.example", "tracker.example"];

fn assert_inert_html(html: &str) {
    let lower = html.to_lowercase();
    for marker in HOSTILE_MARKERS {
        assert!(!lower.contains(marker), "{marker} survived:\n{html}");
    }
    for tag in [
        "<script",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<input",
        "<button",
        "<svg",
        "<math",
        "<base",
        "<link",
        "<frame",
        "<textarea",
    ] {
        assert!(!lower.contains(tag), "{tag} survived:\n{html}");
    }
    for scheme in ["javascript:", "vbscript:", "data:"] {
        assert!(!lower.contains(scheme), "{scheme} survived:\n{html}");
    }
    // The template's own <meta> tags and its two <style> blocks (item parts, media
    // queries) only.
    assert_eq!(lower.matches("<meta").count(), 4, "{html}");
    assert!(!lower.contains("http-equiv"), "{html}");
    assert_eq!(lower.matches("<style").count(), 2, "{html}");
    let handler = Regex::new(r"(?i)<[^>]*\son[a-z]+\s*=").expect("regex");
    assert!(handler.find(html).is_none(), "event handler: {html}");
    let url_attr = Regex::new(r#"(?i)\s(?:href|src|action|formaction|xlink:href)\s*=\s*"([^"]*)""#)
        .expect("regex");
    for url in url_attr.captures_iter(html) {
        let url = &url[1];
        assert!(
            url.starts_with("https://") || url.starts_with("http://") || url.starts_with("mailto:"),
            "unsafe or relative URL {url:?}"
        );
    }
}

/// No markup, no entities, nothing hostile, and 78 columns except for URLs.
fn assert_plain_text(text: &str) {
    for marker in HOSTILE_MARKERS.iter().chain(&["javascript:", "data:"]) {
        assert!(!text.contains(marker), "{marker} in text:\n{text}");
    }
    let tag = Regex::new(r"<[a-zA-Z/!?]").expect("regex");
    assert!(tag.find(text).is_none(), "a tag in the text part:\n{text}");
    let entity = Regex::new(r"&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#x[0-9a-fA-F]+);").expect("regex");
    assert!(
        entity.find(text).is_none(),
        "an entity in the text part:\n{text}"
    );
    for line in text.lines() {
        let is_url = line.trim().starts_with("http") && !line.trim().contains(' ');
        assert!(
            is_url || feedletter::text::columns(line) <= 78,
            "line over 78 columns: {line:?}"
        );
    }
}

#[test]
fn hostile_feed_is_inert_in_the_html_part() {
    let dir = tempfile::tempdir().unwrap();
    let config = hostile_config(dir.path());
    for digest in ["full", "short"] {
        let (html, _) = preview(&config, digest, "html");
        assert_inert_html(&html);
        // What is safe stays: text, formatting, the safe link, the item.
        assert!(
            html.contains("Line one Bcc: victim@example.com</a>"),
            "{html}"
        );
        assert!(html.contains("Mallory Evil"), "{html}");
        assert!(
            html.contains("An item whose link is a script</h2>"),
            "no link: {html}"
        );
    }
    let (full, _) = preview(&config, "full", "html");
    assert!(full.contains("Intro with <b>bold</b> text."), "{full}");
    assert!(full.contains(r#"href="https://blog.example/ok""#), "{full}");
    // Feed styles are gone; images get ours.
    assert!(!full.contains("color:red"), "{full}");
    assert!(full.contains("max-width:100%"), "{full}");
    // A link whose target was unsafe is left as plain text, not a dead link.
    assert!(full.contains("\nmixed case\n"), "{full}");
}

#[test]
fn hostile_feed_leaves_nothing_in_the_text_part() {
    let dir = tempfile::tempdir().unwrap();
    let config = hostile_config(dir.path());
    for digest in ["full", "short"] {
        let (text, _) = preview(&config, digest, "text");
        assert_plain_text(&text);
        // The CRLF in the title became a space; the script in it is gone.
        assert!(
            text.contains("* Line one Bcc: victim@example.com\n"),
            "{text}"
        );
        assert!(text.contains("Mallory Evil"), "{text}");
    }
    let (full, _) = preview(&config, "full", "text");
    assert!(full.contains("Intro with bold text."), "{full}");
    let (short, _) = preview(&config, "short", "text");
    assert!(
        short.contains("A summary with bold words & an evil link."),
        "{short}"
    );
}

#[test]
fn a_line_break_in_a_title_cannot_add_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let config = hostile_config(dir.path());
    let (eml, _) = preview(&config, "full", "eml");
    let headers = eml.split("\r\n\r\n").next().expect("headers");
    assert!(
        headers.contains("Subject: Line one Bcc: victim@example.com"),
        "{headers}"
    );
    assert!(
        !headers
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{headers}"
    );
}

#[test]
fn relative_links_and_images_become_absolute() {
    // Against the item's link…
    let dir = tempfile::tempdir().unwrap();
    let (html, _) = preview(&hostile_config(dir.path()), "full", "html");
    for url in [
        r#"href="https://blog.example/relative/page""#,
        r#"href="https://blog.example/up.html""#,
        r#"src="https://blog.example/posts/images/photo.jpg""#,
    ] {
        assert!(html.contains(url), "{url} missing:\n{html}");
    }

    // …else against the feed's URL.
    let feed = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Linkless</title>
<item><guid>no-link</guid><title>No link of its own</title>
<pubDate>Wed, 13 May 2026 10:00:00 +0000</pubDate>
<description>&lt;p&gt;See &lt;a href="notes/a.html"&gt;the notes&lt;/a&gt; and &lt;img src="/img/b.png" alt="b"&gt;&lt;/p&gt;</description>
</item></channel></rss>"#;
    let server = FeedServer::start(vec![(
        "/feeds/linkless.rss",
        Route::ok("application/rss+xml", feed),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: {}\ndigests:\n  full:\n    window: 30d\n    content: full\n    to: [me@example.com]\n",
            server.url("/feeds/linkless.rss")
        ),
    );
    let (html, _) = preview(&config, "full", "html");
    assert!(
        html.contains(&format!(r#"href="{}""#, server.url("/feeds/notes/a.html"))),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"src="{}""#, server.url("/img/b.png"))),
        "{html}"
    );
}

#[test]
fn css_is_inlined_and_no_stylesheet_is_linked() {
    let (html, _) = preview(
        &repo_root().join("examples/offline.yaml"),
        "offline",
        "html",
    );
    // The item's cell carries its layout, font and colour on the element itself; the
    // parts inside an item are styled once, in <head>, not on each of them.
    let cell = Regex::new(r#"<td class="item" style="padding: 20px 32px;[^"]*font-family: Helvetica, Arial, sans-serif;[^"]*color: #374151;""#)
        .expect("regex");
    assert!(cell.is_match(&html), "{html}");
    let title = Regex::new(r#"<h2 class="item-title"><a href="https://[^"]+">"#).expect("regex");
    assert!(title.is_match(&html), "{html}");
    assert!(!html.contains("<link"), "no stylesheet link");
    let style = Regex::new(r"(?s)<style[^>]*>(.*?)</style>").expect("regex");
    let blocks: Vec<String> = style
        .captures_iter(&html)
        .map(|c| c[1].trim().to_string())
        .collect();
    assert_eq!(blocks.len(), 2);
    assert!(blocks[0].starts_with("@media"), "{}", blocks[0]);
    assert!(
        blocks[1].contains(".item-title a { color: #1d4ed8;"),
        "{}",
        blocks[1]
    );
    // The frame's rules were inlined and are not left in <head>.
    assert!(blocks.iter().all(|b| !b.contains(".container {")));
}
