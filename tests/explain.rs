//! `feedletter explain`: one verdict per item the feeds offer, each the rule that
//! decided it. Two feeds over loopback HTTP hold one item for each verdict; one item
//! was delivered earlier by a real run to a loopback SMTP server.

pub mod support;

use std::path::PathBuf;

use support::smtp_server::{Mode, Options, SmtpServer};
use support::{FeedServer, Route, feedletter, repo_root, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";

/// `(guid, title, link, RFC 2822 date, categories)`.
type Entry = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

fn rss(title: &str, entries: &[Entry]) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>https://example.org/</link>\n"
    );
    for (guid, title, link, date, categories) in entries {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate><description>About {title}.</description>"
        ));
        for c in *categories {
            s.push_str(&format!("<category>{c}</category>"));
        }
        s.push_str("</item>\n");
    }
    s.push_str("</channel></rss>\n");
    s.into_bytes()
}

const SENT_BEFORE: Entry = (
    "rb8",
    "Call for testing",
    "https://blog.example.org/testing",
    "Thu, 14 May 2026 02:00:00 +0000",
    &["rust"],
);

fn rust_blog() -> Vec<u8> {
    rss(
        "Rust Blog",
        &[
            (
                "rb1",
                "Announcing Rust 1.90",
                "https://blog.example.org/1.90",
                "Thu, 14 May 2026 06:00:00 +0000",
                &["rust"],
            ),
            (
                "rb2",
                "Inside the compiler",
                "https://blog.example.org/compiler",
                "Thu, 14 May 2026 05:00:00 +0000",
                &["rust"],
            ),
            (
                "rb3",
                "Async closures",
                "https://blog.example.org/async",
                "Thu, 14 May 2026 04:00:00 +0000",
                &["rust"],
            ),
            (
                "rb4",
                "Rust 1.89 retrospective",
                "https://blog.example.org/1.89",
                "Sun, 10 May 2026 06:00:00 +0000",
                &["rust"],
            ),
            (
                "rb5",
                "Rust and crypto wallets",
                "https://blog.example.org/wallets",
                "Thu, 14 May 2026 03:00:00 +0000",
                &["rust", "crypto"],
            ),
            (
                "rb6",
                "Sourdough notes",
                "https://blog.example.org/bread",
                "Thu, 14 May 2026 03:00:00 +0000",
                &["baking"],
            ),
            (
                "rb7",
                "Sponsored: a faster CI",
                "https://blog.example.org/ci",
                "Thu, 14 May 2026 02:30:00 +0000",
                &["rust"],
            ),
            SENT_BEFORE,
        ],
    )
}

fn this_week() -> Vec<u8> {
    rss(
        "This Week in Rust",
        &[
            (
                "tw1",
                "This Week in Rust 600",
                "https://twir.example.org/600",
                "Thu, 14 May 2026 05:30:00 +0000",
                &[],
            ),
            // The Rust Blog's announcement again, by its link.
            (
                "tw2",
                "Rust 1.90 is out",
                "https://blog.example.org/1.90?utm_source=twir",
                "Thu, 14 May 2026 05:45:00 +0000",
                &[],
            ),
            (
                "tw3",
                "Crate of the week",
                "https://twir.example.org/crate",
                "Thu, 14 May 2026 01:00:00 +0000",
                &[],
            ),
        ],
    )
}

struct Setup {
    dir: tempfile::TempDir,
    _feeds: FeedServer,
    _smtp: SmtpServer,
    config: PathBuf,
}

/// The feeds as above, after a real run at 02:30 delivered "Call for testing".
fn setup() -> Setup {
    let feeds = FeedServer::start(vec![
        (
            "/rust.xml",
            Route::ok("application/rss+xml", rss("Rust Blog", &[SENT_BEFORE])),
        ),
        (
            "/twir.xml",
            Route::ok("application/rss+xml", rss("This Week in Rust", &[])),
        ),
    ]);
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            r#"state: state.db
fetch: {{ timeout: 5s, retries: 0 }}
feeds:
  - url: {rust}
    name: Rust Blog
  - url: {twir}
    name: This Week in Rust
    tags: [rust]
digests:
  daily:
    window: 48h
    tags: {{ include: [rust], exclude: [crypto] }}
    keywords: {{ exclude: ["(?i)sponsored"] }}
    max_items: 3
    max_per_feed: 2
    to: [me@example.com]
smtp:
  host: 127.0.0.1
  port: {port}
  security: none
  from: "Feedletter <digest@example.com>"
  timeout: 2s
"#,
            rust = feeds.url("/rust.xml"),
            twir = feeds.url("/twir.xml"),
            port = smtp.port(),
        ),
    );
    let first = feedletter()
        .args(["run", "--now", "2026-05-14T02:30:00Z", "-c"])
        .arg(&config)
        .output()
        .expect("feedletter runs");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(smtp.messages().len(), 1);
    feeds.set("/rust.xml", Route::ok("application/rss+xml", rust_blog()));
    feeds.set("/twir.xml", Route::ok("application/rss+xml", this_week()));
    Setup {
        dir,
        _feeds: feeds,
        _smtp: smtp,
        config,
    }
}

fn explain(s: &Setup, extra: &[&str]) -> String {
    let out = feedletter()
        .args(["explain", "daily", "--now", NOW, "-c"])
        .arg(&s.config)
        .args(extra)
        .output()
        .expect("feedletter runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

const EXPECTED: &str = "\
daily: items from 2026-05-12 07:00 UTC (the last 2d)
DATE              VERDICT              REASON                FEED               TITLE
2026-05-14 06:00  selected             -                     Rust Blog          Announcing Rust 1.90
2026-05-14 05:45  duplicate of         Rust Blog             This Week in Rust  Rust 1.90 is out
2026-05-14 05:30  selected             -                     This Week in Rust  This Week in Rust 600
2026-05-14 05:00  selected             -                     Rust Blog          Inside the compiler
2026-05-14 04:00  cut by max_per_feed  -                     Rust Blog          Async closures
2026-05-14 03:00  tag exclude          crypto                Rust Blog          Rust and crypto wallets
2026-05-14 03:00  tag include          none of rust          Rust Blog          Sourdough notes
2026-05-14 02:30  keyword              (?i)sponsored         Rust Blog          Sponsored: a faster CI
2026-05-14 02:00  already sent         2026-05-14 02:30 UTC  Rust Blog          Call for testing
2026-05-14 01:00  cut by max_items     -                     This Week in Rust  Crate of the week
2026-05-10 06:00  window               4d 1h old             Rust Blog          Rust 1.89 retrospective
";

#[test]
fn each_item_gets_the_verdict_and_reason_of_the_rule_that_decided_it() {
    let s = setup();
    let state = std::fs::read(s.dir.path().join("state.db")).unwrap();
    assert_eq!(explain(&s, &[]), EXPECTED);
    assert_eq!(
        std::fs::read(s.dir.path().join("state.db")).unwrap(),
        state,
        "explain writes nothing"
    );
}

#[test]
fn json_gives_the_same_verdicts_and_match_narrows_by_title() {
    let s = setup();
    let doc: serde_json::Value = serde_json::from_str(&explain(&s, &["--json"])).unwrap();
    assert_eq!(doc["digest"], "daily");
    assert_eq!(doc["window_start"], "2026-05-12T07:00:00Z");
    let items = doc["items"].as_array().unwrap();
    let verdicts: Vec<(&str, &str, Option<&str>)> = items
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap(),
                i["verdict"].as_str().unwrap(),
                i["reason"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        verdicts[1],
        ("Rust 1.90 is out", "duplicate of", Some("Rust Blog"))
    );
    assert_eq!(
        verdicts[6],
        ("Sourdough notes", "tag include", Some("none of rust"))
    );
    assert_eq!(verdicts[9], ("Crate of the week", "cut by max_items", None));
    assert_eq!(
        verdicts[10],
        ("Rust 1.89 retrospective", "window", Some("4d 1h old"))
    );
    assert_eq!(items[0]["date"], "2026-05-14T06:00:00Z");
    assert_eq!(items[0]["link"], "https://blog.example.org/1.90");

    let matching: serde_json::Value =
        serde_json::from_str(&explain(&s, &["--json", "--match", "RUST 1.9"])).unwrap();
    let titles: Vec<&str> = matching["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Announcing Rust 1.90", "Rust 1.90 is out"]);
}

/// The documented sample is this test's output.
#[test]
fn the_readme_sample_is_what_explain_prints() {
    let usage = std::fs::read_to_string(repo_root().join("docs/usage.md")).unwrap();
    let section = usage
        .split("## `explain`")
        .nth(1)
        .expect("an explain section in docs/usage.md");
    let block = section
        .split("```\n")
        .nth(1)
        .expect("a sample block in the explain section");
    let sample = block
        .strip_prefix("$ feedletter explain daily\n")
        .expect("the sample starts with its command");
    assert_eq!(sample, EXPECTED);
}
