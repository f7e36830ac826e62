//! A real run keeps item texts (summary, content) in the state rather than in memory:
//! keyword filters and excerpts must still see them, for fresh items and for items a
//! 304 brings back from the state.

pub mod support;

use support::smtp_server::{Mode, Options, SmtpServer};
use support::{FeedServer, Route, feedletter, write_config};

const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Texts</title><link>https://feed.example.com/</link>
<item><guid>a</guid><title>Alpha item</title><link>https://feed.example.com/a</link>
<description>&lt;p&gt;Notes on &lt;b&gt;borrowing&lt;/b&gt; rules.&lt;/p&gt;</description>
<pubDate>Thu, 14 May 2026 06:00:00 +0000</pubDate></item>
<item><guid>b</guid><title>Bravo item</title><link>https://feed.example.com/b</link>
<description>&lt;p&gt;A &lt;i&gt;spon&lt;/i&gt;sored post.&lt;/p&gt;</description>
<pubDate>Thu, 14 May 2026 05:00:00 +0000</pubDate></item>
<item><guid>c</guid><title>Charlie item</title><link>https://feed.example.com/c</link>
<description>Plain words on lifetimes.</description>
<pubDate>Thu, 14 May 2026 04:00:00 +0000</pubDate></item>
</channel></rss>
"#;

fn texts(smtp: &SmtpServer) -> Vec<String> {
    smtp.messages()
        .iter()
        .map(|m| {
            let parsed = mail_parser::MessageParser::default()
                .parse(&m.data)
                .expect("parsable message");
            parsed.body_text(0).expect("text part").into_owned()
        })
        .collect()
}

/// A loopback feed (with an ETag, so the second fetch is a 304), a mail server, and a
/// config with `digests`, in a temp dir that lives as long as the returned handle.
fn setup(
    digests: &str,
) -> (
    FeedServer,
    SmtpServer,
    tempfile::TempDir,
    std::path::PathBuf,
) {
    let feeds = FeedServer::start(vec![(
        "/feed.xml",
        Route::ok("application/rss+xml", FEED).with_etag("\"v1\""),
    )]);
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            r#"state: state.db
feeds:
  - url: {feed}
digests:
{digests}
smtp:
  host: 127.0.0.1
  port: {port}
  security: none
  from: "Feedletter <digest@example.com>"
"#,
            feed = feeds.url("/feed.xml"),
            port = smtp.port(),
        ),
    );
    (feeds, smtp, dir, config)
}

fn run(config: &std::path::Path, digest: &str) {
    let out = feedletter()
        .args(["run", digest, "--now", "2026-05-14T07:00:00Z", "-c"])
        .arg(config)
        .output()
        .expect("feedletter runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const EXCERPTS: [&str; 3] = [
    "Notes on borrowing rules.",
    "A sponsored post.",
    "Plain words on lifetimes.",
];

#[test]
fn keyword_filters_and_excerpts_read_texts_back_from_the_state() {
    let (feeds, smtp, _dir, config) = setup(
        r#"  everything:
    window: 1d
    to: [me@example.com]
  picky:
    window: 1d
    keywords: { exclude: ["(?i)sponsored"] }
    to: [me@example.com]"#,
    );
    run(&config, "everything");
    let first = &texts(&smtp)[0];
    for expected in EXCERPTS.iter().chain(&["Alpha item", "Bravo item"]) {
        assert!(first.contains(expected), "{expected:?} in {first}");
    }

    // The feed now answers 304: the items, and their texts, come from the state.
    run(&config, "picky");
    assert_eq!(feeds.seen().last().map(|s| s.status), Some(304));
    let second = &texts(&smtp)[1];
    assert!(second.contains(EXCERPTS[0]), "{second}");
    assert!(second.contains(EXCERPTS[2]), "{second}");
    assert!(
        !second.contains("Bravo item"),
        "excluded by a keyword in its summary: {second}"
    );
}

/// Without keyword filters a 304 does not load texts at all; the digest still shows
/// them, read back for the items it selected.
#[test]
fn excerpts_of_items_a_304_brought_back_come_from_the_state() {
    let (feeds, smtp, _dir, config) = setup(
        "  today:\n    window: 1d\n    to: [me@example.com]\n  again:\n    window: 1d\n    to: [me@example.com]",
    );
    run(&config, "today");
    run(&config, "again");
    assert_eq!(feeds.seen().last().map(|s| s.status), Some(304));
    let second = &texts(&smtp)[1];
    for expected in EXCERPTS {
        assert!(second.contains(expected), "{expected:?} in {second}");
    }
}
