//! The hostile case: feeds that once crashed, stalled or bloated a run, served beside
//! the normal ones, and two big feeds measured alone.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

/// (path under `/hostile/`, content type, body) for each hostile feed.
pub fn feeds(anchor: DateTime<Utc>) -> Vec<(String, &'static str, Vec<u8>)> {
    let date = anchor.to_rfc2822();
    let item = |guid: &str, title: &str, extra: &str| {
        format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>https://hostile.example/{guid}</link>\
             <description>Words about {guid}.</description><pubDate>{date}</pubDate>{extra}</item>"
        )
    };
    let deep = format!(
        "<content:encoded><![CDATA[{}deep{}]]></content:encoded>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let categories: String = (0..80_000)
        .map(|n| format!("<category>tag{n}</category>"))
        .collect();
    let page = format!(
        "<!doctype html><html><head><base href=\"https://hostile.example/{}\"></head></html>",
        "&".repeat(800_000)
    );
    vec![
        (
            "duration".into(),
            "application/rss+xml",
            rss(&item(
                "duration",
                "Long",
                "<itunes:duration>99999999999999999999999</itunes:duration>",
            )),
        ),
        (
            "arabic".into(),
            "application/rss+xml",
            rss(&item("arabic", "Digits", "<itunes:duration>١٢:٣٤</itunes:duration>")),
        ),
        ("deep".into(), "application/rss+xml", rss(&item("deep", "Deep", &deep))),
        (
            "categories".into(),
            "application/rss+xml",
            rss(&item("categories", "Tagged", &categories)),
        ),
        (
            "title".into(),
            "application/rss+xml",
            rss(&item("title", &"W".repeat(5 << 20), "")),
        ),
        ("page".into(), "text/html", page.into_bytes()),
        (
            "escapes".into(),
            "application/rss+xml",
            rss(&item("escapes", "Clear &#x1B;[2J", "")),
        ),
    ]
}

/// A feed of `items` short items, the newest first, an hour apart.
pub fn many_items(anchor: DateTime<Utc>, items: usize) -> Vec<u8> {
    let mut body = String::new();
    for n in 0..items {
        let date = anchor - chrono::Duration::hours(n as i64);
        let _ = write!(
            body,
            "<item><guid>item-{n}</guid><title>Item {n}</title><link>https://big.example/{n}</link>\
             <description>Item number {n}.</description><pubDate>{}</pubDate></item>\n",
            date.to_rfc2822()
        );
    }
    rss(&body)
}

/// A feed of about `bytes` bytes: 10 KB articles of plain paragraphs.
pub fn big_feed(anchor: DateTime<Utc>, bytes: usize) -> Vec<u8> {
    let paragraph = "<p>Feeds carry whole articles, and some carry a great many of them.</p>";
    let article = paragraph.repeat(10_000 / paragraph.len());
    let items = bytes / (article.len() + 300);
    let mut body = String::with_capacity(bytes + 4096);
    for n in 0..items {
        let date = anchor - chrono::Duration::minutes(n as i64);
        let _ = write!(
            body,
            "<item><guid>article-{n}</guid><title>Article {n}</title><link>https://big.example/a/{n}</link>\
             <pubDate>{}</pubDate><content:encoded><![CDATA[{article}]]></content:encoded></item>\n",
            date.to_rfc2822()
        );
    }
    rss(&body)
}

fn rss(items: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Hostile</title><link>https://hostile.example/</link>
{items}
</channel></rss>
"#
    )
    .into_bytes()
}
