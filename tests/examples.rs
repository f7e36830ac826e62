//! The shipped configs never rot: the offline example runs, feeds.yaml validates,
//! and the rendered output is pinned by snapshots.

pub mod support;

use support::{feedletter, repo_root};

const NOW: &str = "2026-05-14T07:00:00Z";

fn offline(format: &str) -> String {
    let out = feedletter()
        .current_dir(repo_root())
        .args([
            "run",
            &format!("--dry-run={format}"),
            "--now",
            NOW,
            "-c",
            "examples/offline.yaml",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("UTF-8 output")
}

#[test]
fn shipped_feeds_yaml_is_valid() {
    let config =
        feedletter::config::load(&repo_root().join("feeds.yaml")).expect("feeds.yaml validates");
    assert_eq!(config.feeds.len(), 4);
    assert_eq!(
        config
            .digests
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["daily", "weekly-team"]
    );
    assert!(config.smtp.is_some());
}

#[test]
fn offline_example_renders_html() {
    let html = offline("html");
    // The Thai title survives intact (the apostrophes are HTML-escaped).
    assert!(
        html.contains("AI หลอกตัวเราได้อย่างไร เมื่อ"),
        "Thai title intact"
    );
    assert!(html.contains("มากกว่าความจริง"));
    // Markup in a title is text, escaped, never markup.
    assert!(html.contains("Generics: Vec&lt;T&gt; &amp; "));
    assert!(!html.contains("Vec<T>"));
    // The sponsored post is filtered out by the example's keyword rule.
    assert!(!html.contains("Sponsored:"));
    insta::assert_snapshot!("offline_html", html);
}

#[test]
fn offline_example_renders_text() {
    let text = offline("text");
    assert!(text.contains("AI หลอกตัวเราได้อย่างไร เมื่อ 'นิสัย' มากกว่าความจริง"));
    assert!(text.contains("Generics: Vec<T> & \"quotes\" in titles"));
    assert!(!text.contains("<p>"), "no HTML in the text part");
    insta::assert_snapshot!("offline_text", text);
}

#[test]
fn offline_example_json_has_the_documented_shape() {
    let doc: serde_json::Value = serde_json::from_str(&offline("json")).expect("JSON");
    assert_eq!(doc["generated_at"], NOW);
    let digest = &doc["digests"][0];
    assert_eq!(digest["digest"], "offline");
    let items = digest["items"].as_array().expect("items");
    assert_eq!(
        items.len(),
        16,
        "10 DEV (capped) + 3 Rust Notes (one sponsored dropped) + 3 JSON"
    );
    for item in items {
        for key in [
            "digest", "feed", "feed_url", "title", "link", "date", "tags", "excerpt",
        ] {
            assert!(item.get(key).is_some(), "item has {key}: {item}");
        }
    }
    // Newest first.
    let dates: Vec<&str> = items.iter().map(|i| i["date"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert_eq!(digest["omitted"], 2);
}
