//! Hostile feeds served from loopback beside a good one, delivered to a loopback mail
//! server: a feed that crashes its parser fails alone, a feed that is merely huge or
//! deep is trimmed, and the good feed's items arrive either way, for an excerpt digest
//! and a `content: full` digest alike.

pub mod support;

use std::process::Output;
use std::time::{Duration, Instant};

use support::smtp_server::{Mode, Options, SmtpServer};
use support::{FeedServer, Route, example_feed, feedletter, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";
const DATE: &str = "Wed, 13 May 2026 10:00:00 +0000";
/// Items of examples/feeds/rust-notes.atom, the good feed.
const GOOD_TITLES: [&str; 2] = [
    "Error handling with thiserror and anyhow",
    "Benchmarking with hyperfine",
];

/// An RSS document around `items` (already serialized), with the iTunes namespace.
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

fn item(guid: &str, title: &str, extra: &str) -> String {
    format!(
        "<item><guid>{guid}</guid><title>{title}</title><link>https://hostile.example/{guid}</link>\
         <description>Words about {guid}.</description><pubDate>{DATE}</pubDate>{extra}</item>\n"
    )
}

/// What one run did: its exit status and stderr, and the two digests' text and HTML
/// parts as the mail server received them (excerpt digest first).
struct Delivered {
    output: Output,
    took: Duration,
    texts: Vec<String>,
    htmls: Vec<String>,
}

impl Delivered {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
}

/// Serves `body` as the feed "Hostile Feed" beside the good Rust Notes feed, and runs
/// two digests (excerpts, full content) to a loopback SMTP server with `-v`.
fn deliver_beside_good(content_type: &str, body: Vec<u8>) -> Delivered {
    let feeds = FeedServer::start(vec![
        (
            "/good.atom",
            Route::ok("application/atom+xml", example_feed("rust-notes.atom")),
        ),
        ("/hostile", Route::ok(content_type, body)),
    ]);
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(
        dir.path(),
        &format!(
            r#"state: state.db
fetch: {{ timeout: 10s, retries: 0 }}
feeds:
  - {{ url: "{good}", name: Good Notes }}
  - {{ url: "{hostile}", name: Hostile Feed }}
digests:
  excerpts:
    window: 30d
    to: [me@example.com]
  full:
    window: 30d
    content: full
    to: [me@example.com]
smtp:
  host: 127.0.0.1
  port: {port}
  security: none
  from: "Feedletter <digest@example.com>"
"#,
            good = feeds.url("/good.atom"),
            hostile = feeds.url("/hostile"),
            port = smtp.port(),
        ),
    );
    let started = Instant::now();
    let output = feedletter()
        .args(["run", "-v", "--now", NOW, "-c"])
        .arg(&config)
        .output()
        .expect("feedletter runs");
    let took = started.elapsed();
    let mut texts = Vec::new();
    let mut htmls = Vec::new();
    for message in smtp.messages() {
        let parsed = mail_parser::MessageParser::default()
            .parse(&message.data)
            .expect("a parsable message");
        texts.push(parsed.body_text(0).expect("a text part").into_owned());
        htmls.push(parsed.body_html(0).expect("an HTML part").into_owned());
    }
    Delivered {
        output,
        took,
        texts,
        htmls,
    }
}

/// Both digests went out with the good feed's items, and the run exited 0.
fn assert_good_delivered(run: &Delivered) {
    assert_good_delivered_within(run, Duration::from_secs(30));
}

/// As `assert_good_delivered`, for inputs that take this debug build longer: their
/// quadratic or unbounded readings took minutes even on the release build, and
/// `--hostile` in the benchmark holds the release build to 10 s.
fn assert_good_delivered_within(run: &Delivered, limit: Duration) {
    let stderr = run.stderr();
    assert_eq!(run.output.status.code(), Some(0), "exit status: {stderr}");
    assert_eq!(run.texts.len(), 2, "both digests sent: {stderr}");
    for text in &run.texts {
        for title in GOOD_TITLES {
            assert!(text.contains(title), "{title} delivered:\n{text}");
        }
    }
    assert!(run.took < limit, "the run took {:?}", run.took);
}

/// The hostile feed failed with `reason`: named on stderr and in both digests' footers.
fn assert_feed_failed(run: &Delivered, reason: &str) {
    let stderr = run.stderr();
    let line = stderr
        .lines()
        .find(|l| l.starts_with("warning: feed Hostile Feed"))
        .unwrap_or_else(|| panic!("stderr names the feed: {stderr}"));
    assert!(line.contains(reason), "`{reason}` in `{line}`");
    for text in &run.texts {
        let footer = text
            .find("Hostile Feed")
            .map(|at| &text[at..])
            .unwrap_or_else(|| panic!("the footer names the feed:\n{text}"));
        assert!(footer.contains(reason), "`{reason}` in the footer:\n{text}");
    }
}

#[test]
fn an_overflowing_itunes_duration_costs_its_feed_only() {
    let body = rss(&item(
        "long",
        "A long episode",
        "<itunes:duration>99999999999999999999999</itunes:duration>",
    ));
    let run = deliver_beside_good("application/rss+xml", body);
    assert_good_delivered(&run);
    assert_feed_failed(&run, "the feed parser crashed on this feed");
    assert!(
        !run.stderr().contains("panicked at"),
        "no default panic message on stderr: {}",
        run.stderr()
    );
}

#[test]
fn arabic_indic_digits_in_a_duration_cost_their_feed_only() {
    let body = rss(&item(
        "arabic",
        "An episode",
        "<itunes:duration>١٢:٣٤</itunes:duration>",
    ));
    let run = deliver_beside_good("application/rss+xml", body);
    assert_good_delivered(&run);
    assert_feed_failed(&run, "the feed parser crashed on this feed");
}

#[test]
fn deeply_nested_html_is_flattened_and_delivered() {
    let depth = 20_000;
    let content = format!(
        "<content:encoded><![CDATA[{}deep words{}]]></content:encoded>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let body = rss(&item("deep", "Nested all the way down", &content));
    let run = deliver_beside_good("application/rss+xml", body);
    assert_good_delivered(&run);
    let full = &run.htmls[1];
    assert!(full.contains("deep words"), "the content is shown");
    assert!(
        full.matches("<div").count() < 400,
        "the nesting is cut: {} divs",
        full.matches("<div").count()
    );
    assert!(
        run.stderr().contains(
            "feed Hostile Feed: trimmed: 1 texts had HTML nested deeper than 100 elements"
        ),
        "-v says so: {}",
        run.stderr()
    );
}

#[test]
fn a_page_full_of_ampersands_is_read_in_linear_time() {
    let page = format!(
        "<!doctype html><html><head><base href=\"https://hostile.example/{}\">\
         <link rel=\"alternate\" type=\"application/rss+xml\" href=\"https://hostile.example/feed.xml\">\
         </head><body></body></html>",
        "&".repeat(800_000)
    );
    let run = deliver_beside_good("text/html", page.into_bytes());
    assert_good_delivered(&run);
    assert_feed_failed(
        &run,
        "it advertises a feed at https://hostile.example/feed.xml",
    );
}

#[test]
fn eighty_thousand_categories_are_cut_to_the_limit() {
    let categories: String = (0..80_000)
        .map(|n| format!("<category>tag{n}</category>"))
        .collect();
    let body = rss(&item("tagged", "Tagged to death", &categories));
    let run = deliver_beside_good("application/rss+xml", body);
    assert_good_delivered(&run);
    assert!(run.texts[0].contains("Tagged to death"), "{}", run.texts[0]);
    assert!(run.htmls[0].contains("tag99"), "the first categories stay");
    assert!(!run.htmls[0].contains("tag100<"), "the rest are cut");
    assert!(
        run.stderr()
            .contains("1 items had more than 100 categories"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_five_megabyte_title_is_cut_to_the_limit() {
    let title = "W".repeat(5 * 1024 * 1024);
    let body = rss(&item("titled", &title, ""));
    let run = deliver_beside_good("application/rss+xml", body);
    assert_good_delivered(&run);
    // The text part wraps the title; the HTML part shows it in one piece.
    for html in &run.htmls {
        assert!(html.contains(&"W".repeat(1_000)), "the title is shown");
        assert!(!html.contains(&"W".repeat(1_001)), "and cut");
    }
    assert!(
        run.stderr().contains("1 titles cut to 1000 characters"),
        "{}",
        run.stderr()
    );
}

/// A JSON Feed whose every text carries escape sequences, bells and C1 controls.
fn escapes_feed() -> Vec<u8> {
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Escapes\u{1b}]0;owned\u{7}",
        "items": [{
            "id": "esc",
            "url": "https://hostile.example/esc",
            "title": "Clear \u{1b}[2J\u{9b}31m the screen",
            "summary": "Bell \u{7}\u{7} and \r carriage",
            "content_html": "<p>Red &#27;[31m &#x1B;[0m text\u{1b}[1m</p>",
            "tags": ["\u{1b}[5mblink"],
            "authors": [{ "name": "Mallory\u{1b}[8m" }],
            "date_published": "2026-05-13T10:00:00Z"
        }]
    })
    .to_string()
    .into_bytes()
}

#[test]
fn escape_sequences_never_reach_the_digest() {
    let run = deliver_beside_good("application/feed+json", escapes_feed());
    assert_good_delivered(&run);
    for part in run.texts.iter().chain(&run.htmls) {
        assert!(part.contains("Clear [2J31m the screen"), "{part}");
        let control = part
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'));
        assert_eq!(control, None, "{part}");
        assert!(
            !part.contains("&#27;") && !part.contains("&#x1B;"),
            "{part}"
        );
    }
}

#[test]
fn no_preview_format_writes_a_control_character_from_a_feed() {
    // A malformed end tag with an escape in its name: the entries before it are read,
    // and nothing of the tag may reach any output.
    let broken = b"<rss version=\"2.0\"><channel><title>B</title><item><title>x</title></\x1b[2Jitem></channel></rss>";
    let feeds = FeedServer::start(vec![
        (
            "/escapes.json",
            Route::ok("application/feed+json", escapes_feed()),
        ),
        (
            "/broken.xml",
            Route::ok("application/rss+xml", broken.to_vec()),
        ),
    ]);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: \"{}\"\n  - url: \"{}\"\n    name: Broken\ndigests:\n  full:\n    window: 30d\n    content: full\n    to: [me@example.com]\nsmtp:\n  host: 127.0.0.1\n  security: none\n  from: digest@example.com\n",
            feeds.url("/escapes.json"),
            feeds.url("/broken.xml")
        ),
    );
    for format in ["html", "text", "json", "eml"] {
        let (stdout, stderr) = support::preview(&config, "full", format, NOW);
        assert!(
            stdout.contains("Clear [2J31m the screen"),
            "{format}: {stdout}"
        );
        if format != "eml" {
            // The broken feed is still shown, by its name; a mail body is encoded.
            assert!(stdout.contains("Broken"), "{format}: {stdout}");
        }
        for (stream, written) in [("stdout", &stdout), ("stderr", &stderr)] {
            // Mail lines end in CRLF; nothing else below a space may appear.
            let control = written
                .chars()
                .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'));
            assert_eq!(control, None, "{format} {stream}: {written}");
            assert!(!written.contains("\r\r"), "{format} {stream}");
        }
    }
}

#[test]
fn check_fetch_reports_a_crashing_feed_as_failed() {
    let feeds = FeedServer::start(vec![
        (
            "/good.atom",
            Route::ok("application/atom+xml", example_feed("rust-notes.atom")),
        ),
        (
            "/hostile",
            Route::ok(
                "application/rss+xml",
                rss(&item(
                    "long",
                    "A long episode",
                    "<itunes:duration>99999999999999999999999</itunes:duration>",
                )),
            ),
        ),
    ]);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - {{ url: \"{}\", name: Good Notes }}\n  - {{ url: \"{}\", name: Hostile Feed }}\ndigests:\n  d:\n    to: [me@example.com]\n",
            feeds.url("/good.atom"),
            feeds.url("/hostile")
        ),
    );
    let output = feedletter()
        .args(["check", "--fetch", "-c"])
        .arg(&config)
        .output()
        .expect("feedletter runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a feed failed its probe: {stderr}"
    );
    let row = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(name))
            .map(str::to_string)
    };
    assert!(
        row("Good Notes").is_some_and(|r| r.contains(" ok ")),
        "{stdout}"
    );
    assert!(
        row("Hostile Feed").is_some_and(
            |r| r.contains("FAILED") && r.contains("the feed parser crashed on this feed")
        ),
        "{stdout}"
    );
    assert!(!stderr.contains("panicked at"), "{stderr}");
}

/// Bidi overrides, embeddings and isolates in a title, a feed title and a text: none
/// reaches the Subject, a part, `explain` or stderr; the marks RTL text needs stay.
#[test]
fn bidi_overrides_never_reach_a_subject_a_part_or_the_terminal() {
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Tricks \u{2066}feed\u{2069}",
        "items": [{
            "id": "bidi",
            "url": "https://hostile.example/bidi",
            "title": "Pay \u{202E}exe.gnp",
            "content_html": "<p>Open &#x202E;fdp.exe \u{202B}now\u{202C} \u{5e9}\u{200f}\u{200e}</p>",
            "date_published": "2026-05-13T10:00:00Z"
        }]
    })
    .to_string();
    let feeds = FeedServer::start(vec![(
        "/bidi.json",
        Route::ok("application/feed+json", feed),
    )]);
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(
        dir.path(),
        &format!(
            "state: state.db\nfeeds:\n  - url: \"{}\"\ndigests:\n  full:\n    window: 30d\n    content: full\n    subject: \"{{{{ items[0].title }}}}\"\n    to: [me@example.com]\nsmtp:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  from: digest@example.com\n",
            feeds.url("/bidi.json"),
            smtp.port()
        ),
    );
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let explain = feedletter()
        .args(["explain", "full", "--now", NOW, "-v", "-c"])
        .arg(&config)
        .output()
        .expect("feedletter runs");
    let run = feedletter()
        .args(["run", "-vv", "--now", NOW, "-c"])
        .arg(&config)
        .output()
        .expect("feedletter runs");
    assert_eq!(run.status.code(), Some(0));
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let message = mail_parser::MessageParser::default()
        .parse(&messages[0].data)
        .expect("a parsable message");
    let subject = message.subject().expect("a subject");
    assert_eq!(subject, "Pay exe.gnp");
    let text = message.body_text(0).expect("a text part");
    let html = message.body_html(0).expect("an HTML part");
    for part in [&*text, &*html] {
        assert!(part.contains("Pay exe.gnp"), "{part}");
        assert!(part.contains("Open fdp.exe now"), "{part}");
        assert!(
            part.contains("\u{5e9}\u{200f}\u{200e}"),
            "marks kept: {part}"
        );
    }
    let terminal = [explain.stdout, explain.stderr, run.stdout, run.stderr];
    assert!(String::from_utf8_lossy(&terminal[0]).contains("Pay exe.gnp"));
    for written in [subject, &text, &html]
        .into_iter()
        .map(str::to_string)
        .chain(
            terminal
                .iter()
                .map(|t| String::from_utf8_lossy(t).into_owned()),
        )
    {
        assert_eq!(written.chars().find(|&c| bidi(c)), None, "{written}");
        assert!(!written.contains("&#x202E;"), "{written}");
    }
}

/// The `-v` line that says how many items the cap dropped from the hostile feed.
fn assert_capped(run: &Delivered, dropped: usize) {
    assert!(
        run.stderr().contains(&format!(
            "feed Hostile Feed: trimmed: {dropped} oldest items dropped (at most 10000 are kept)"
        )),
        "{}",
        run.stderr()
    );
}

#[test]
fn three_million_json_feed_items_are_cut_to_the_cap_as_they_are_read() {
    // 9 MB; read whole before the cap, this took 3.1 GB.
    let body = format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"Many\",\"items\":[{}{{}}]}}",
        "{},".repeat(2_999_999)
    );
    let run = deliver_beside_good("application/feed+json", body.into_bytes());
    assert_good_delivered_within(&run, Duration::from_secs(120));
    assert_capped(&run, 2_990_000);
}

#[test]
fn a_million_empty_rss_items_are_cut_to_the_cap_as_they_are_read() {
    let run = deliver_beside_good("application/rss+xml", rss(&"<item/>".repeat(1_400_000)));
    assert_good_delivered_within(&run, Duration::from_secs(120));
    assert_capped(&run, 1_390_000);
}

#[test]
fn descriptions_full_of_ampersands_are_read_in_linear_time() {
    // Ten of 999,000 once took 90 s in html5ever's serializer (the benchmark's
    // `--hostile` runs those on the release build). One of 300,000 took this debug
    // build five minutes; read in linear time, it takes seconds.
    let amps = "&".repeat(300_000);
    let items: String = (0..1)
        .map(|n| {
            item(&format!("amp{n}"), &format!("Ampersands {n}"), "").replace(
                &format!("Words about amp{n}."),
                &format!("<![CDATA[{amps}]]>"),
            )
        })
        .collect();
    let run = deliver_beside_good("application/rss+xml", rss(&items));
    assert_good_delivered_within(&run, Duration::from_secs(120));
    assert!(run.texts[0].contains("Ampersands 0"), "{}", run.texts[0]);
}

#[test]
fn a_description_of_title_tags_is_read_in_linear_time() {
    let titles = format!("<![CDATA[{}]]>", "<title".repeat(1_500_000));
    let body = rss(&item("titles", "Titled", "").replace("Words about titles.", &titles));
    let run = deliver_beside_good("application/rss+xml", body);
    assert_good_delivered_within(&run, Duration::from_secs(120));
    assert!(run.texts[0].contains("Titled"), "{}", run.texts[0]);
}
