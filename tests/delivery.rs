//! `feedletter run` end to end through the binary: real HTTP feeds (some of them
//! broken on purpose), real SMTP with STARTTLS and AUTH, previews as files.

pub mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use mail_parser::MimeHeaders;
use support::http_server::{Server, head, respond};
use support::smtp_server::{Mode, Options, SmtpServer};
use support::{example_feed, feedletter, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";
const USER: &str = "digest@example.com";
const PASSWORD: &str = "s3cret-pass-phrase";

fn smtp_section(port: u16, ca: &Path) -> String {
    format!(
        "smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: starttls\n  username: {USER}\n  password_env: FEEDLETTER_SMTP_PASSWORD\n  from: \"Feedletter <{USER}>\"\n  timeout: 2s\n  ca_file: {}\n",
        ca.display()
    )
}

fn run(config: &Path, password: &str, extra: &[&str]) -> Output {
    feedletter()
        .env("FEEDLETTER_SMTP_PASSWORD", password)
        .args(["run", "--now", NOW, "-c"])
        .arg(config)
        .args(extra)
        .output()
        .expect("feedletter runs")
}

fn text_part(data: &[u8]) -> String {
    let message = mail_parser::MessageParser::default()
        .parse(data)
        .expect("message parses");
    message.body_text(0).expect("text part").into_owned()
}

/// A feed server where each path misbehaves in its own way.
fn misbehaving_server() -> Server {
    let notes = example_feed("rust-notes.atom");
    let small = example_feed("small-web.json");
    Server::start(move |request, stream| {
        match request.path.as_str() {
        "/notes.atom" => respond(stream, "200 OK", &[("Content-Type", "application/atom+xml")], &notes),
        "/small.json" => respond(stream, "200 OK", &[("Content-Type", "application/feed+json")], &small),
        "/old-notes" => respond(stream, "301 Moved Permanently", &[("Location", "/notes.atom")], b""),
        "/missing.xml" => respond(stream, "404 Not Found", &[], b"gone"),
        "/loop-a" => respond(stream, "302 Found", &[("Location", "/loop-b")], b""),
        "/loop-b" => respond(stream, "302 Found", &[("Location", "/loop-a")], b""),
        "/page" => respond(
            stream,
            "200 OK",
            &[("Content-Type", "text/html")],
            b"<!doctype html><html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/real-feed.xml\"></head><body>Blog</body></html>",
        ),
        "/drip" => {
            head(stream, "200 OK", &[("Content-Type", "application/rss+xml")])?;
            for _ in 0..30 {
                stream.write_all(b"<")?;
                stream.flush()?;
                std::thread::sleep(Duration::from_secs(1));
            }
            Ok(())
        }
        "/endless" => {
            head(stream, "200 OK", &[("Content-Type", "application/rss+xml")])?;
            let chunk = vec![b' '; 64 * 1024];
            loop {
                stream.write_all(&chunk)?;
            }
        }
        _ => respond(stream, "404 Not Found", &[], b""),
    }
    })
}

/// The Rust Notes feed, a STARTTLS+AUTH server, and a config in a temp dir with one
/// digest (`digest_extra` adds keys to it) delivered to `smtp_port` (the server's own
/// port when `None`).
struct NotesSetup {
    _feeds: Server,
    smtp: SmtpServer,
    dir: tempfile::TempDir,
    config: PathBuf,
}

fn notes_setup(digest_extra: &str, smtp_port: Option<u16>) -> NotesSetup {
    let feeds = misbehaving_server();
    let smtp = SmtpServer::start(Options::new(Mode::StartTls).with_login(USER, PASSWORD));
    let dir = tempfile::tempdir().unwrap();
    let ca = smtp.write_ca_file(dir.path());
    let config = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: \"{}\"\ndigests:\n  daily:\n    window: 30d\n    to: [me@example.com]\n{digest_extra}{}",
            feeds.url("/notes.atom"),
            smtp_section(smtp_port.unwrap_or(smtp.port()), &ca)
        ),
    );
    NotesSetup {
        _feeds: feeds,
        smtp,
        dir,
        config,
    }
}

#[test]
fn broken_feeds_cost_their_limits_and_the_good_items_are_delivered() {
    let feeds = misbehaving_server();
    let smtp = SmtpServer::start(Options::new(Mode::StartTls).with_login(USER, PASSWORD));
    let dir = tempfile::tempdir().unwrap();
    let ca = smtp.write_ca_file(dir.path());
    let url = |p: &str| feeds.url(p).to_string();
    let config = write_config(
        dir.path(),
        &format!(
            r#"state: state.db
fetch: {{ timeout: 2s, max_bytes: 1MiB, retries: 0 }}
feeds:
  - {{ url: "{drip}", name: Drip Feed }}
  - {{ url: "{endless}", name: Endless Feed }}
  - {{ url: "{missing}", name: Missing Feed }}
  - {{ url: "{looping}", name: Loop Feed }}
  - {{ url: "{page}", name: Page Feed }}
  - {{ url: "{old}", name: Moved Notes }}
  - {{ url: "{small}" }}
digests:
  daily:
    window: 30d
    to: [me@example.com]
{smtp}"#,
            drip = url("/drip"),
            endless = url("/endless"),
            missing = url("/missing.xml"),
            looping = url("/loop-a"),
            page = url("/page"),
            old = url("/old-notes"),
            small = url("/small.json"),
            smtp = smtp_section(smtp.port(), &ca),
        ),
    );
    let started = Instant::now();
    let out = run(&config, PASSWORD, &[]);
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "partial feed failures still exit 0: {stderr}"
    );
    assert!(
        elapsed < Duration::from_secs(15),
        "a stalled feed costs its timeout, not more: {elapsed:?}"
    );

    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    let text = text_part(&messages[0].data);
    for good in [
        "Error handling with thiserror and anyhow",
        "Feeds are not dead",
    ] {
        assert!(text.contains(good), "{good} delivered:\n{text}");
    }
    for (name, reason) in [
        ("Drip Feed", "timed out after 2s"),
        ("Endless Feed", "feed is larger than 1 MiB"),
        ("Missing Feed", "HTTP 404"),
        ("Loop Feed", "redirect"),
        ("Page Feed", "this is an HTML page, not a feed"),
    ] {
        let line = stderr
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("stderr names {name}: {stderr}"));
        assert!(
            line.contains(reason),
            "{name}: expected `{reason}` in `{line}`"
        );
        assert!(text.contains(name), "footer names {name}:\n{text}");
    }
    assert!(
        stderr.contains(&format!("{}real-feed.xml", url("/"))),
        "advertised feed named: {stderr}"
    );
    assert!(
        stderr.contains("Moved Notes has moved to") && stderr.contains("update"),
        "{stderr}"
    );
    assert!(text.contains("has moved to"), "{text}");

    // The state remembers the move and each failure; `feeds` shows them.
    let table = feedletter()
        .args(["feeds", "-c"])
        .arg(&config)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    let moved = table
        .lines()
        .find(|l| l.contains("Moved Notes"))
        .unwrap_or_else(|| panic!("feeds lists Moved Notes:\n{table}"));
    assert!(
        moved.contains(&url("/notes.atom")),
        "moved-to URL shown: {moved}"
    );
    let missing = table.lines().find(|l| l.contains("Missing Feed")).unwrap();
    assert!(missing.contains("HTTP 404"), "{missing}");
}

#[test]
fn the_eml_preview_is_the_message_and_out_writes_it_to_a_file() {
    let setup = notes_setup(
        "    subject: \"Digest {{ date }}\"\n    bcc: [hidden@example.com]\n",
        None,
    );
    let (smtp, dir, config) = (&setup.smtp, &setup.dir, &setup.config);
    let out_file: PathBuf = dir.path().join("preview.eml");
    let out = run(config, "", &["--dry-run=eml", "--out"]);
    assert_eq!(out.status.code(), Some(2), "--out needs a file name");
    let out = feedletter()
        .args(["run", "--dry-run=eml", "--now", NOW, "--out"])
        .arg(&out_file)
        .arg("-c")
        .arg(config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the preview went to the file");
    let eml = std::fs::read(&out_file).unwrap();
    let message = mail_parser::MessageParser::default()
        .parse(&eml)
        .expect("RFC 5322");
    assert_eq!(message.subject(), Some("Digest 14 May 2026"));
    let root = message.root_part().content_type().expect("Content-Type");
    assert_eq!(
        (root.ctype(), root.subtype()),
        ("multipart", Some("alternative"))
    );
    let raw = String::from_utf8_lossy(&eml);
    assert!(raw.contains("Auto-Submitted: auto-generated"));
    assert!(
        !raw.to_ascii_lowercase().contains("hidden@example.com"),
        "no Bcc in the message"
    );
    assert!(text_part(&eml).contains("Error handling with thiserror and anyhow"));
    assert_eq!(
        smtp.log().connections,
        0,
        "a preview never talks to the server"
    );
    assert!(
        !dir.path().join("feedletter.db").exists(),
        "nor writes state"
    );
}

#[test]
fn a_wrong_password_fails_and_is_never_shown() {
    let setup = notes_setup("", None);
    let (smtp, config) = (&setup.smtp, &setup.config);
    let wrong = "not-the-password-123";
    let out = run(config, wrong, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "authentication refused by 127.0.0.1:{}",
            smtp.port()
        )),
        "{stderr}"
    );
    assert!(stderr.contains(USER), "{stderr}");
    assert!(!stderr.contains(wrong) && !String::from_utf8_lossy(&out.stdout).contains(wrong));
    assert!(smtp.messages().is_empty());
    // Nothing was marked sent: the next run with the right password delivers it all.
    let out = run(config, PASSWORD, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text_part(&smtp.messages()[0].data).contains("Error handling with thiserror and anyhow")
    );
}

#[test]
fn a_server_that_is_down_fails_within_the_timeout_budget() {
    let setup = notes_setup("", Some(support::closed_port()));
    let config = &setup.config;
    let started = Instant::now();
    let out = run(config, PASSWORD, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot connect to 127.0.0.1:"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
