//! End to end over real HTTP: feeds.yaml → fetch → parse → select → render → preview.

pub mod support;

use serde_json::Value;
use support::{FeedServer, Route, closed_port, example_feed, feedletter, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";

fn serve_examples() -> FeedServer {
    FeedServer::start(vec![
        (
            "/dev.rss",
            Route::ok("application/rss+xml", example_feed("dev-community.rss")),
        ),
        (
            "/notes.atom",
            Route::ok("application/atom+xml", example_feed("rust-notes.atom")),
        ),
        (
            "/small.json",
            Route::ok("application/feed+json", example_feed("small-web.json")),
        ),
    ])
}

fn preview_json(config: &std::path::Path, digest: &str) -> Value {
    let out = feedletter()
        .args(["run", digest, "--dry-run=json", "--now", NOW, "-c"])
        .arg(config)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("valid JSON preview")
}

fn titles(doc: &Value, digest: usize) -> Vec<String> {
    doc["digests"][digest]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().expect("title").to_string())
        .collect()
}

#[test]
fn selects_by_window_tags_and_keywords_newest_first() {
    let server = serve_examples();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            r#"
feeds:
  - url: {dev}
    tags: [webdev-site]
  - url: {notes}
    tags: [Rust]
  - url: {small}
digests:
  picks:
    window: 4d
    tags: {{ include: [rust, AI] }}
    keywords: {{ exclude: ["(?i)sponsored"] }}
    to: [me@example.com]
"#,
            dev = server.url("/dev.rss"),
            notes = server.url("/notes.atom"),
            small = server.url("/small.json"),
        ),
    );
    let doc = preview_json(&config, "picks");
    assert_eq!(
        titles(&doc, 0),
        vec![
            // Matched by the feed's configured tag.
            "Generics: Vec<T> & \"quotes\" in titles",
            // Matched by item categories (`ai`), case-insensitively.
            "Building AI Agents That Don't Break in Production: Lessons From Real Deployments",
            "SaaSpocalypse? Real. SaaS Is Dead? SaaSinine.",
            "Best AI Productivity Tools in 2026",
            "AI หลอกตัวเราได้อย่างไร เมื่อ 'นิสัย' มากกว่าความจริง",
            "The Technical Decisions That Haunt Early-Stage Startups",
            "Error handling with thiserror and anyhow",
            // Its only category is `performance`, but the feed is tagged rust.
            "Benchmarking with hyperfine",
            "Running a tiny language model on a Raspberry Pi",
        ]
    );
    // "Two Gates Are Closing on AI Web Scraping" says AI but has no ai tag; the
    // sponsored post is in the window and tagged rust but excluded by keyword;
    // dev items older than 4 days do not exist, JSON items outside the window are out.
    let items = doc["digests"][0]["items"].as_array().unwrap();
    let first = &items[0];
    assert_eq!(first["feed"], "Rust Notes");
    assert_eq!(
        first["link"],
        "https://notes.example.org/2026/05/generics-in-titles"
    );
    assert_eq!(first["date"], "2026-05-14T05:30:00Z");
    assert_eq!(first["tags"], serde_json::json!(["rust"]));
    assert!(
        first["excerpt"]
            .as_str()
            .unwrap()
            .starts_with("Why Vec<T> in a title")
    );
    assert_eq!(doc["failed_feeds"], serde_json::json!([]));
}

#[test]
fn exclude_wins_over_include_and_caps_count_what_is_left_out() {
    let server = serve_examples();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            r#"
feeds:
  - url: {dev}
digests:
  ai:
    window: 1d
    tags: {{ include: [ai], exclude: [automation] }}
    max_items: 2
    to: [me@example.com]
"#,
            dev = server.url("/dev.rss"),
        ),
    );
    let doc = preview_json(&config, "ai");
    // AI items minus the two tagged automation: SaaS, Thai, Technical → 2 shown, 1 left out.
    assert_eq!(
        titles(&doc, 0),
        vec![
            "SaaSpocalypse? Real. SaaS Is Dead? SaaSinine.",
            "AI หลอกตัวเราได้อย่างไร เมื่อ 'นิสัย' มากกว่าความจริง",
        ]
    );
    assert_eq!(doc["digests"][0]["omitted"], 1);
}

#[test]
fn broken_feeds_are_named_and_the_others_still_render() {
    let server = serve_examples();
    server.set(
        "/garbage",
        Route::ok(
            "application/rss+xml",
            b"\x00\x01this is not a feed at all".to_vec(),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let refused = format!("http://127.0.0.1:{}/feed.xml", closed_port());
    let config = write_config(
        dir.path(),
        &format!(
            r#"
fetch:
  timeout: 5s
  retries: 0
feeds:
  - url: {missing}
    name: Missing Feed
  - url: {garbage}
    name: Garbage Feed
  - url: {refused}
    name: Refused Feed
  - url: {notes}
digests:
  all:
    window: 30d
    to: [me@example.com]
"#,
            missing = server.url("/missing.xml"),
            garbage = server.url("/garbage"),
            notes = server.url("/notes.atom"),
        ),
    );
    let assert = feedletter()
        .args(["run", "--dry-run=json", "--now", NOW, "-c"])
        .arg(&config)
        .assert()
        .success();
    let output = assert.get_output();
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        titles(&doc, 0).len(),
        4,
        "every Rust Notes entry is in a 30-day window"
    );
    let failed = doc["failed_feeds"].as_array().unwrap();
    let by_name = |name: &str| failed.iter().find(|f| f["name"] == name).cloned();
    assert_eq!(by_name("Missing Feed").unwrap()["kind"], "http_status");
    assert!(
        by_name("Missing Feed").unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("404")
    );
    assert_eq!(by_name("Garbage Feed").unwrap()["kind"], "parse");
    assert_eq!(by_name("Refused Feed").unwrap()["kind"], "connection");
    let stderr = String::from_utf8_lossy(&output.stderr);
    for name in ["Missing Feed", "Garbage Feed", "Refused Feed"] {
        assert!(stderr.contains(name), "stderr names {name}: {stderr}");
    }

    // The HTML preview lists them in its footer too.
    let html = feedletter()
        .args(["run", "--dry-run=html", "--now", NOW, "-c"])
        .arg(&config)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let html = String::from_utf8(html).unwrap();
    for name in ["Missing Feed", "Garbage Feed", "Refused Feed"] {
        assert!(html.contains(name), "footer names {name}");
    }
    assert!(html.contains("Error handling with thiserror and anyhow"));
}

#[test]
fn cross_feed_duplicates_are_shown_once() {
    // The same JSON feed under two URLs: every link appears twice, utm_ parameters aside.
    let server = serve_examples();
    server.set(
        "/mirror.json",
        Route::ok("application/feed+json", example_feed("small-web.json")),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: {}\n  - url: {}\ndigests:\n  d:\n    window: 7d\n    to: [me@example.com]\n",
            server.url("/small.json"),
            server.url("/mirror.json"),
        ),
    );
    let doc = preview_json(&config, "d");
    assert_eq!(titles(&doc, 0).len(), 3);
}

#[test]
fn unknown_digest_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "feeds:\n  - path: f.xml\ndigests:\n  daily:\n    to: [me@example.com]\n",
    );
    feedletter()
        .args(["run", "weekly", "--dry-run", "-c"])
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no digest named `weekly`"));
}
