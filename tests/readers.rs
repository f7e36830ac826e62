//! The newsletter as its readers get it: the digest's display title, list headers
//! and an unsubscribe line, a preview line that is plain visible text, and the web
//! archive as a small site (pages linked to the index and to each other, nothing in
//! it that XML 1.0 forbids).

pub mod support;

use std::path::Path;

use support::smtp_server::{Mode, Options, SmtpServer};
use support::{FeedServer, Route, feedletter, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";
const LATER: &str = "2026-05-14T19:00:00Z";

fn json_feed(titles: &[(&str, &str)]) -> Vec<u8> {
    let items: Vec<serde_json::Value> = titles
        .iter()
        .map(|(id, title)| {
            serde_json::json!({"id": id, "url": format!("https://news.example/{id}"),
                "title": title, "content_text": "Words.", "date_published": "2026-05-14T06:00:00Z"})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1", "title": "News", "items": items
    }))
    .expect("json")
}

fn run(config: &Path, now: &str) {
    let out = feedletter()
        .args(["run", "--now", now, "-c"])
        .arg(config)
        .output()
        .expect("feedletter runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn smtp_section(port: u16) -> String {
    format!(
        "smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  from: \"Feedletter <digest@news.example>\"\n"
    )
}

#[test]
fn the_title_heads_the_digest_and_every_message_is_a_list() {
    let feeds = FeedServer::start(vec![(
        "/feed.json",
        Route::ok("application/feed+json", json_feed(&[("a", "First story")])),
    )]);
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "state: state.db\nfeeds:\n  - url: {}\ndigests:\n  team:\n    title: The Team Weekly\n    window: 7d\n    to: [team@example.com]\n    unsubscribe: \"mailto:news@news.example?subject=unsubscribe\"\n  Plain_Wöchentlich:\n    window: 7d\n    to: [me@example.com]\n{}",
            feeds.url("/feed.json"),
            smtp_section(smtp.port())
        ),
    );
    run(&config, NOW);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2);
    let parse = |data| {
        mail_parser::MessageParser::default()
            .parse(data)
            .expect("message")
    };
    let team = parse(&messages[0].data);
    let plain = parse(&messages[1].data);

    assert_eq!(
        team.subject(),
        Some("The Team Weekly — 14 May 2026 (1 items)")
    );
    let html = team.body_html(0).expect("HTML").into_owned();
    assert!(html.contains("<title>The Team Weekly — 14 May 2026</title>"));
    assert!(
        regex::Regex::new(r#"<h1 class="title"[^>]*>The Team Weekly</h1>"#)
            .expect("regex")
            .is_match(&html)
    );
    // Without `title:` the key names the digest, as before.
    assert_eq!(
        plain.subject(),
        Some("Plain_Wöchentlich — 14 May 2026 (1 items)")
    );

    let header =
        |m: &mail_parser::Message, name: &str| m.header_raw(name).map(|v| v.trim().to_string());
    assert_eq!(
        header(&team, "List-Id").as_deref(),
        Some("The Team Weekly <team.news.example>")
    );
    // A key that is no DNS label is made one; the title's non-ASCII is MIME-encoded.
    let plain_id = header(&plain, "List-Id").expect("List-Id");
    assert!(plain_id.starts_with("=?utf-8?"), "{plain_id}");
    assert!(
        plain_id.ends_with(" <Plain-W-chentlich.news.example>"),
        "{plain_id}"
    );
    assert_eq!(
        header(&team, "List-Unsubscribe").as_deref(),
        Some("<mailto:news@news.example?subject=unsubscribe>")
    );
    assert_eq!(header(&plain, "List-Unsubscribe"), None);
    assert!(html.contains(
        r#"<a href="mailto:news@news.example?subject=unsubscribe" style="color: #6b7280;">Unsubscribe</a> from The Team Weekly."#
    ));
    let text = team.body_text(0).expect("text").into_owned();
    assert!(text.contains(
        "Unsubscribe from The Team Weekly: mailto:news@news.example?subject=unsubscribe"
    ));
    assert!(!plain.body_html(0).expect("HTML").contains("Unsubscribe"));

    // The preview line is text the reader sees: nothing hidden, nothing in the
    // background's colour.
    let preheader =
        regex::Regex::new(r#"<p class="preheader" style="([^"]*)">1 new item: First story</p>"#)
            .expect("regex");
    let style = &preheader.captures(&html).expect("a preheader")[1];
    assert!(
        !style.contains("display") && !style.contains("#eef1f5"),
        "{style}"
    );
    assert!(!html.contains("display: none") && !html.contains("display:none"));
}

#[test]
fn a_bad_unsubscribe_address_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: https://news.example/feed\ndigests:\n  team:\n    to: [a@example.com]\n    unsubscribe: http://news.example/out\n{}",
            smtp_section(25)
        ),
    );
    let out = feedletter()
        .args(["run", "--dry-run", "-c"])
        .arg(&config)
        .output()
        .expect("feedletter runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("digests.team.unsubscribe") && stderr.contains("not a mailto: or https:"),
        "{stderr}"
    );
}

/// Characters XML 1.0 does not allow anywhere in a document.
fn xml_forbidden(c: char) -> bool {
    ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

#[test]
fn archive_pages_link_to_the_index_and_each_other_and_stay_well_formed() {
    let feeds = FeedServer::start(vec![(
        "/feed.json",
        Route::ok(
            "application/feed+json",
            json_feed(&[("a", "First \u{FFFF}story\u{FFFE}")]),
        ),
    )]);
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "state: state.db\nfeeds:\n  - url: {}\ndigests:\n  team:\n    title: The Team Weekly\n    window: 7d\n    subject: \"{{{{ items[0].title }}}}\"\n    archive: public\n    archive_url: https://news.example/team/\n    to: [team@example.com]\n{}",
            feeds.url("/feed.json"),
            smtp_section(smtp.port())
        ),
    );
    run(&config, NOW);
    feeds.set(
        "/feed.json",
        Route::ok(
            "application/feed+json",
            json_feed(&[("b", "Second story"), ("a", "First \u{FFFF}story\u{FFFE}")]),
        ),
    );
    run(&config, LATER);
    assert_eq!(smtp.messages().len(), 2);

    let archive = dir.path().join("public");
    let read = |name: &str| std::fs::read_to_string(archive.join(name)).expect(name);
    let (first, second) = ("2026-05-14-team.html", "2026-05-14-team-2.html");
    for (page, older, newer) in [(first, None, Some(second)), (second, Some(first), None)] {
        let html = read(page);
        assert!(html.contains(r#"<a href="index.html" style="color: #6b7280;">All issues</a>"#));
        assert!(
            !html.contains(&format!("href=\"https://news.example/team/{page}\"")),
            "{page} links to itself"
        );
        assert!(!html.contains("View in browser"), "{page}");
        assert_eq!(
            older.map(|o| html.contains(&format!(
                r#"<a href="{o}" style="color: #6b7280;">← Older issue</a>"#
            ))),
            older.map(|_| true),
            "{page}"
        );
        assert_eq!(html.contains("Newer issue"), newer.is_some(), "{page}");
        if let Some(n) = newer {
            assert!(html.contains(&format!(
                r#"<a href="{n}" style="color: #6b7280;">Newer issue →</a>"#
            )));
        }
        // The same email, not a different rendering of it.
        assert!(html.contains("The Team Weekly</h1>"));
    }

    let index = read("index.html");
    assert!(index.contains("<h1>The Team Weekly</h1>"), "{index}");
    assert!(index.contains("<title>The Team Weekly: past issues</title>"));
    assert!(
        index.contains(r#"<a href="2026-05-14-team.html">First story</a>"#),
        "{index}"
    );
    assert!(
        index.contains("background-color: #eef1f5") && index.contains("#e85d04"),
        "not the issues' look"
    );

    for name in [first, second, "index.html", "feed.xml", "issues.json"] {
        let text = read(name);
        assert!(
            !text.chars().any(xml_forbidden),
            "{name} holds a character XML forbids"
        );
    }
    let xml = std::fs::read(archive.join("feed.xml")).expect("feed.xml");
    let feed = feed_rs::parser::parse(&xml[..]).expect("feed.xml parses");
    assert_eq!(feed.entries.len(), 2);
    assert_eq!(feed.title.expect("title").content, "The Team Weekly");
}
