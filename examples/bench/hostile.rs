//! The hostile case: feeds that once crashed, stalled or bloated a run, served beside
//! the normal ones, two big feeds measured alone, and the feeds that once took
//! gigabytes or minutes, each beside one good feed and held to `LIMITS`.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::server::{Extra, FeedMaker, FeedServer};
use super::smtp_sink::SmtpSink;
use super::{Args, ChildRun, Setup, run_child, write_config};

/// What each feed of `heavy` must stay under, beside a good feed: wall time, peak RSS.
const LIMITS: (Duration, u64) = (Duration::from_secs(10), 400 << 10);

/// Feeds that once exhausted memory or CPU: (name, what it is, content type, body).
fn heavy() -> Vec<(&'static str, &'static str, &'static str, Vec<u8>)> {
    let json_items = format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"Many\",\"items\":[{}{{}}]}}",
        "{},".repeat(2_999_999)
    );
    let amps = "&".repeat(999_000);
    let amp_items: String = (0..10)
        .map(|n| format!("<item><guid>amp{n}</guid><title>Amp {n}</title><description><![CDATA[{amps}]]></description></item>"))
        .collect();
    let titles = format!(
        "<item><guid>titles</guid><title>Titles</title><description><![CDATA[{}]]></description></item>",
        "<title".repeat(1_500_000)
    );
    vec![
        (
            "json-items",
            "3,000,000 JSON Feed items `{}`",
            "application/feed+json",
            json_items.into_bytes(),
        ),
        (
            "empty-items",
            "1,400,000 RSS `<item/>`",
            "application/rss+xml",
            rss(&"<item/>".repeat(1_400_000)),
        ),
        (
            "amps",
            "10 descriptions of 999,000 `&`",
            "application/rss+xml",
            rss(&amp_items),
        ),
        (
            "titles",
            "a description of 1,500,000 `<title`",
            "application/rss+xml",
            rss(&titles),
        ),
    ]
}

/// (path under `/hostile/`, content type, body) for each hostile feed.
pub(crate) fn feeds(anchor: DateTime<Utc>) -> Vec<(String, &'static str, Vec<u8>)> {
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
            rss(&item(
                "arabic",
                "Digits",
                "<itunes:duration>١٢:٣٤</itunes:duration>",
            )),
        ),
        (
            "deep".into(),
            "application/rss+xml",
            rss(&item("deep", "Deep", &deep)),
        ),
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

/// Normal feeds alone and with the hostile ones beside them (first runs on a fresh
/// state, both with an excerpt and a `content: full` digest), then each big feed alone,
/// then each heavy feed beside one normal feed (the excerpt digest alone).
pub(crate) fn run(args: &Args) {
    let anchor = chrono::Utc::now();
    let maker = Arc::new(FeedMaker::new(anchor));
    let mut extra: Vec<Extra> = feeds(anchor)
        .into_iter()
        .map(|(name, content_type, body)| Extra {
            name,
            content_type,
            body,
        })
        .collect();
    let hostile_names: Vec<String> = extra.iter().map(|e| e.name.clone()).collect();
    let many = many_items(anchor, 100_000);
    let big = big_feed(anchor, 20 << 20);
    let sizes = format!(
        "100,000 items: {:.1} MiB; big feed: {:.1} MiB",
        many.len() as f64 / 1048576.0,
        big.len() as f64 / 1048576.0
    );
    for (name, body) in [("many", many), ("big", big)] {
        extra.push(Extra {
            name: name.into(),
            content_type: "application/rss+xml",
            body,
        });
    }
    let mut heavy_cases = Vec::new();
    for (name, what, content_type, body) in heavy() {
        heavy_cases.push((name, what));
        extra.push(Extra {
            name: name.into(),
            content_type,
            body,
        });
    }
    let latency = Duration::from_millis(args.latency);
    let server = FeedServer::start_with(maker, args.hosts, latency, extra).expect("feed server");
    let sink = SmtpSink::start().expect("SMTP sink");
    println!(
        "{} feeds, {} ms latency; {sizes}\n",
        args.feeds, args.latency
    );
    println!("| case | wall | CPU user+sys | peak RSS (VmHWM) | items | failed feeds | mails |");
    println!("|---|---|---|---|---|---|---|");
    let hostile_urls: Vec<String> = hostile_names.iter().map(|n| server.extra_url(n)).collect();
    let mut cases = vec![
        (
            format!("{} feeds", args.feeds),
            args.feeds,
            Vec::new(),
            None,
        ),
        (
            format!("{} feeds + {} hostile", args.feeds, hostile_urls.len()),
            args.feeds,
            hostile_urls,
            None,
        ),
        (
            "100,000-item feed alone".to_string(),
            0,
            vec![server.extra_url("many")],
            Some("64MiB"),
        ),
        (
            "20 MiB feed alone".to_string(),
            0,
            vec![server.extra_url("big")],
            Some("64MiB"),
        ),
    ];
    let first_heavy = cases.len();
    for (name, what) in heavy_cases {
        cases.push((
            format!("{what} + 1 feed"),
            1,
            vec![server.extra_url(name)],
            None,
        ));
    }
    let mut over = Vec::new();
    for (n, (name, feeds, extra_feeds, max_bytes)) in cases.into_iter().enumerate() {
        // The heavy feeds are held to their limits in the default (excerpt) digest;
        // a `content: full` digest renders ten 1 MB contents several times over to
        // fit its size budget.
        let heavy = n >= first_heavy;
        let setup = Setup {
            extra_feeds,
            full_digest: !heavy,
            max_bytes,
        };
        let mut runs: Vec<ChildRun> = (0..args.repeat.max(1))
            .map(|_| {
                let dir = tempfile::tempdir().expect("temp dir");
                let config = write_config(dir.path(), &server, feeds, sink.port, &setup);
                let mut run = run_child(&config);
                run.mails = sink.received.take().0;
                run
            })
            .collect();
        runs.sort_by_key(|r| r.wall);
        let run = &runs[runs.len() / 2];
        println!(
            "| {name} | {:.3} s | {:.3} s | {:.1} MB | {} | {} | {} |",
            run.wall.as_secs_f64(),
            run.cpu.as_secs_f64(),
            run.own_peak_kb as f64 / 1024.0,
            run.items,
            run.failed,
            run.mails
        );
        let (wall, peak_kb) = LIMITS;
        if heavy && (run.wall > wall || run.own_peak_kb > peak_kb || run.mails != 1) {
            over.push(name);
        }
    }
    // The heavy feeds' promise: each costs its feed at most this, and the digests go out.
    assert!(
        over.is_empty(),
        "over {:?} or {} MB, or a digest missing: {over:?}",
        LIMITS.0,
        LIMITS.1 >> 10
    );
}

/// A feed of `items` short items, the newest first, an hour apart.
pub(crate) fn many_items(anchor: DateTime<Utc>, items: usize) -> Vec<u8> {
    let mut body = String::new();
    for n in 0..items {
        let date = anchor - chrono::Duration::hours(n as i64);
        let _ = writeln!(
            body,
            "<item><guid>item-{n}</guid><title>Item {n}</title><link>https://big.example/{n}</link>\
             <description>Item number {n}.</description><pubDate>{}</pubDate></item>",
            date.to_rfc2822()
        );
    }
    rss(&body)
}

/// A feed of about `bytes` bytes: 10 KB articles of plain paragraphs.
pub(crate) fn big_feed(anchor: DateTime<Utc>, bytes: usize) -> Vec<u8> {
    let paragraph = "<p>Feeds carry whole articles, and some carry a great many of them.</p>";
    let article = paragraph.repeat(10_000 / paragraph.len());
    let items = bytes / (article.len() + 300);
    let mut body = String::with_capacity(bytes + 4096);
    for n in 0..items {
        let date = anchor - chrono::Duration::minutes(n as i64);
        let _ = writeln!(
            body,
            "<item><guid>article-{n}</guid><title>Article {n}</title><link>https://big.example/a/{n}</link>\
             <pubDate>{}</pubDate><content:encoded><![CDATA[{article}]]></content:encoded></item>",
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
