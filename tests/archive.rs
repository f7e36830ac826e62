//! The web archive: each delivered issue as a page, an index of them and an Atom feed,
//! written after delivery and never by a preview.

pub mod support;

use std::path::{Path, PathBuf};

use support::smtp_server::{Mode, Options, SmtpServer};
use support::{FeedServer, Route, feedletter, rss, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";
const LATER: &str = "2026-05-14T19:00:00Z";
const ARCHIVE_URL: &str = "https://news.example/team";

fn config(dir: &Path, feeds: &FeedServer, smtp_port: u16, archive: &str) -> PathBuf {
    write_config(
        dir,
        &format!(
            "state: state.db\nfeeds:\n  - url: {}\ndigests:\n  weekly:\n    window: 7d\n    subject: \"Team news {{{{ items|length }}}} items\"\n    archive: {archive}\n    archive_url: {ARCHIVE_URL}\n    to: [team@example.com]\nsmtp:\n  host: 127.0.0.1\n  port: {smtp_port}\n  security: none\n  from: \"Feedletter <digest@example.com>\"\n",
            feeds.url("/feed.xml"),
        ),
    )
}

fn run(config: &Path, now: &str) -> std::process::Output {
    feedletter()
        .args(["run", "--now", now, "-c"])
        .arg(config)
        .output()
        .expect("feedletter runs")
}

fn html_part(data: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse(data)
        .expect("message parses")
        .body_html(0)
        .expect("HTML part")
        .into_owned()
}

/// The "View in browser" link to `page`, whatever style the template gives it.
fn view_in_browser(html: &str, page: &str) -> bool {
    let link = format!(r#"<a href="{ARCHIVE_URL}/{page}"[^>]*>View in browser</a>"#);
    regex::Regex::new(&link).expect("regex").is_match(html)
}

/// An issue without the links between the template's nav marks.
fn without_nav(html: &str) -> String {
    let (start, end) = (html.find("<!--nav-->"), html.find("<!--/nav-->"));
    let (start, end) = (start.expect("nav mark"), end.expect("nav end mark"));
    format!("{}{}", &html[..start], &html[end..])
}

#[test]
fn two_deliveries_make_two_pages_an_index_and_a_feed_with_two_entries() {
    let feeds = FeedServer::start(vec![(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("first", "First story", "Thu, 14 May 2026 06:00:00 +0000")]),
        ),
    )]);
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &feeds, smtp.port(), "public/archive");

    let out = run(&config, NOW);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    feeds.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("first", "First story", "Thu, 14 May 2026 06:00:00 +0000"),
                ("second", "Second story", "Thu, 14 May 2026 18:00:00 +0000"),
                ("third", "Third story", "Thu, 14 May 2026 18:30:00 +0000"),
            ]),
        ),
    );
    let out = run(&config, LATER);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let archive = dir.path().join("public/archive");
    let first_page = "2026-05-14-weekly.html";
    let second_page = "2026-05-14-weekly-2.html";
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2);
    for (message, page) in messages.iter().zip([first_page, second_page]) {
        let html = html_part(&message.data);
        // The page is the HTML part as sent but for its links (to the index and the
        // other issues in place of the link to itself), and the email links to it.
        let written = std::fs::read_to_string(archive.join(page)).expect("issue page");
        assert_eq!(
            without_nav(&written),
            without_nav(&html.replace("\r\n", "\n"))
        );
        assert!(!view_in_browser(&written, page), "{page} links to itself");
        assert!(view_in_browser(&html, page), "{page}: no link to it");
    }

    let index = std::fs::read_to_string(archive.join("index.html")).expect("index");
    let newer = index
        .find(&format!("<a href=\"{second_page}\">Team news 2 items</a>"))
        .expect("the second issue in the index");
    let older = index
        .find(&format!("<a href=\"{first_page}\">Team news 1 items</a>"))
        .expect("the first issue in the index");
    assert!(newer < older, "newest first");
    assert!(index.contains("14 May 2026 · 2 items"), "{index}");

    let xml = std::fs::read(archive.join("feed.xml")).expect("feed.xml");
    let feed = feed_rs::parser::parse(&xml[..]).expect("feed.xml is a valid feed");
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.entries.len(), 2);
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.as_ref().expect("title").content.clone())
        .collect();
    assert_eq!(titles, ["Team news 2 items", "Team news 1 items"]);
    let links: Vec<&str> = feed
        .entries
        .iter()
        .map(|e| e.links[0].href.as_str())
        .collect();
    assert_eq!(
        links,
        [
            format!("{ARCHIVE_URL}/{second_page}"),
            format!("{ARCHIVE_URL}/{first_page}")
        ]
    );
    let newest = feed.entries[0]
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .expect("content");
    assert!(newest.contains("Third story</a>") && newest.contains("Second story</a>"));
    assert!(!newest.contains("First story"));
    // Nothing half-written is left behind.
    let mut names: Vec<String> = std::fs::read_dir(&archive)
        .expect("archive dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "2026-05-14-weekly-2.html",
            "2026-05-14-weekly.html",
            "feed.xml",
            "index.html",
            "issues.json"
        ]
    );
}

#[test]
fn a_preview_writes_nothing_but_shows_the_link() {
    let feeds = FeedServer::start(vec![(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("first", "First story", "Thu, 14 May 2026 06:00:00 +0000")]),
        ),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &feeds, support::closed_port(), "archive");
    let (html, _) = support::preview(&config, "weekly", "html", NOW);
    assert!(view_in_browser(&html, "2026-05-14-weekly.html"));
    assert!(
        !dir.path().join("archive").exists(),
        "a preview wrote the archive"
    );
}

#[test]
fn an_archive_that_cannot_be_written_is_reported_and_the_delivery_stands() {
    let feeds = FeedServer::start(vec![(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("first", "First story", "Thu, 14 May 2026 06:00:00 +0000")]),
        ),
    )]);
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().unwrap();
    // A file where the directory should be.
    std::fs::write(dir.path().join("archive"), "not a directory").expect("write");
    let config = config(dir.path(), &feeds, smtp.port(), "archive");

    let out = run(&config, NOW);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("digest weekly was sent, but its web archive was not updated"),
        "{stderr}"
    );
    assert_eq!(smtp.messages().len(), 1);
    // The items count as sent: the next run does not repeat the issue.
    let out = run(&config, LATER);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(smtp.messages().len(), 1);
}

fn one_story_server(delay: std::time::Duration) -> FeedServer {
    FeedServer::start(vec![(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("first", "First story", "Thu, 14 May 2026 06:00:00 +0000")]),
        )
        .with_delay(delay),
    )])
}

#[cfg(unix)]
#[test]
fn links_planted_at_temporary_and_final_names_leave_their_target_untouched() {
    use std::os::unix::fs::symlink;
    // Long enough to plant links for the child's own PID after it has started.
    let feeds = one_story_server(std::time::Duration::from_millis(300));
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &feeds, smtp.port(), "archive");
    let archive = dir.path().join("archive");
    std::fs::create_dir(&archive).unwrap();
    let target = dir.path().join("target.txt");
    std::fs::write(&target, "untouched").unwrap();
    let files = [
        "2026-05-14-weekly.html",
        "issues.json",
        "index.html",
        "feed.xml",
    ];
    let plant = |pid: u32| {
        for file in files {
            // Taken already when the PID was in the planted range.
            let _ = symlink(&target, archive.join(format!(".{file}.{pid}.tmp")));
        }
    };
    // The temporary names an earlier version used, for the next thousands of PIDs,
    // and the final names of the files replaced wholesale.
    let first = std::process::id();
    (first..first + 3000).for_each(plant);
    symlink(&target, archive.join("index.html")).unwrap();
    symlink(&target, archive.join("feed.xml")).unwrap();

    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("feedletter"))
        .args(["run", "--now", NOW, "-c"])
        .arg(&config)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("feedletter starts");
    plant(child.id());
    let output = support::bounded(std::time::Duration::from_secs(60), move || {
        child.wait_with_output().expect("feedletter ends")
    });
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
    assert_eq!(smtp.messages().len(), 1);
    for file in [
        "index.html",
        "feed.xml",
        "issues.json",
        "2026-05-14-weekly.html",
    ] {
        let meta = std::fs::symlink_metadata(archive.join(file)).unwrap();
        assert!(meta.is_file(), "{file} is not a file of its own");
    }
    let index = std::fs::read_to_string(archive.join("index.html")).unwrap();
    assert!(index.contains("Team news 1 items"), "{index}");
}

#[test]
fn a_forged_record_pulls_nothing_from_outside_the_archive() {
    let feeds = one_story_server(std::time::Duration::ZERO);
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &feeds, smtp.port(), "public/archive");
    let archive = dir.path().join("public/archive");
    std::fs::create_dir_all(&archive).unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-MARKER").unwrap();
    std::fs::create_dir(archive.join("folder.html")).unwrap();
    let mut forged = vec![
        "/etc/hostname".to_string(),
        secret.display().to_string(),
        "../secret.txt".to_string(),
        "../../secret.txt".to_string(),
        "folder.html".to_string(),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, archive.join("link.html")).unwrap();
        forged.push("link.html".to_string());
    }
    let records: Vec<serde_json::Value> = forged
        .iter()
        .map(|file| {
            serde_json::json!({
                "file": file, "digest": "weekly", "subject": format!("forged {file}"),
                "sent_at": "2026-05-13T07:00:00Z", "date": "13 May 2026", "items": 1,
            })
        })
        .collect();
    std::fs::write(
        archive.join("issues.json"),
        serde_json::to_vec(&records).unwrap(),
    )
    .unwrap();

    let out = run(&config, NOW);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for file in &forged {
        assert!(
            stderr.contains(&format!("{file:?} is not a page of the archive; left out")),
            "{file}: {stderr}"
        );
    }
    for page in ["feed.xml", "index.html", "issues.json"] {
        let text = std::fs::read_to_string(archive.join(page)).unwrap();
        assert!(!text.contains("TOP-SECRET"), "{page}: {text}");
        assert!(!text.contains("forged"), "{page}: {text}");
        assert!(text.contains("2026-05-14-weekly.html"), "{page}: {text}");
    }
    assert_eq!(
        std::fs::read_to_string(&secret).unwrap(),
        "TOP-SECRET-MARKER"
    );
}
