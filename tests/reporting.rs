//! What a run tells people afterwards and on the way: the `feeds` health table, and
//! stderr that is fit for a cron mail (no progress bar, no escape codes, silence
//! with `-q`).

pub mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use support::{FeedServer, Route, closed_port, feedletter, repo_root, rss, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";

/// One working feed (old items, so no digest is due and nothing is sent) and one
/// that answers 404. The SMTP port is closed: a delivery attempt would fail the run.
fn setup(server: &FeedServer, dir: &Path) -> PathBuf {
    write_config(
        dir,
        &format!(
            "feeds:
  - url: {ok}
    name: Good Feed
  - url: {gone}
    name: Gone Feed
digests:
  daily:
    window: 24h
    to: [me@example.com]
smtp:
  host: 127.0.0.1
  port: {port}
  security: none
  from: digest@example.com
",
            ok = server.url("/ok.xml"),
            gone = server.url("/gone.xml"),
            port = closed_port()
        ),
    )
}

fn feed_server() -> FeedServer {
    let items = [
        ("a", "First", "Mon, 04 May 2026 08:00:00 GMT"),
        ("b", "Second", "Tue, 05 May 2026 08:00:00 GMT"),
        ("c", "Third", "Wed, 06 May 2026 08:00:00 GMT"),
    ];
    FeedServer::start(vec![
        ("/ok.xml", Route::ok("application/rss+xml", rss(&items))),
        ("/gone.xml", Route::status(404)),
    ])
}

#[test]
fn feeds_shows_failures_in_a_row_and_the_last_error_after_runs() {
    let server = feed_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = setup(&server, dir.path());
    for _ in 0..2 {
        // A failing feed does not fail the run, and "nothing new" is success.
        feedletter()
            .args(["run", "--now", NOW, "-c"])
            .arg(&path)
            .assert()
            .code(0);
    }
    let output = feedletter()
        .args(["feeds", "-c"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    for column in [
        "FEED",
        "URL",
        "LAST SUCCESS",
        "FAILURES",
        "ITEMS",
        "MOVED TO",
        "LAST ERROR",
    ] {
        assert!(lines[0].contains(column), "{table}");
    }
    let good: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        good,
        [
            "Good",
            "Feed",
            &server.url("/ok.xml"),
            "2026-05-14",
            "07:00",
            "UTC",
            "0",
            "3",
            "-",
            "-"
        ],
        "{table}"
    );
    let gone: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(
        &gone[..6],
        ["Gone", "Feed", &server.url("/gone.xml"), "never", "2", "0"],
        "{table}"
    );
    assert!(lines[2].ends_with("HTTP 404 Not Found"), "{table}");
}

#[test]
fn feeds_before_any_run_lists_the_feeds_as_never_fetched() {
    let server = feed_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = setup(&server, dir.path());
    let output = feedletter()
        .args(["feeds", "-c"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(table.matches("never fetched").count(), 2, "{table}");
    // `feeds` is read-only: it creates no state file.
    assert!(!dir.path().join("feedletter.db").exists());
}

#[test]
fn stderr_that_is_not_a_terminal_has_no_progress_bar_or_escape_codes() {
    let server = feed_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = setup(&server, dir.path());
    let output = feedletter()
        .args(["run", "--dry-run=text", "-vv", "--now", NOW, "-c"])
        .arg(&path)
        // Even with a colourful terminal type and no NO_COLOR: stderr is a pipe here.
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let err = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(!err.contains('\r'), "carriage return on stderr:\n{err:?}");
    assert!(!err.contains('\x1b'), "escape code on stderr:\n{err:?}");
    // -v detail: each feed's status, items and time.
    assert!(
        err.lines()
            .any(|l| l.starts_with("feed Good Feed: status 200, 3 items, ") && l.ends_with('s')),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with("feed Gone Feed: failed after ")),
        "{err}"
    );
    assert!(
        err.contains("warning: feed Gone Feed"),
        "plain prefix: {err}"
    );
}

#[test]
fn quiet_clean_run_prints_nothing_on_stderr() {
    feedletter()
        .current_dir(repo_root())
        .args([
            "run",
            "--dry-run=text",
            "-q",
            "--now",
            NOW,
            "-c",
            "examples/offline.yaml",
        ])
        .assert()
        .success()
        .stderr("");
}

#[test]
fn quiet_hides_feed_warnings_but_not_errors() {
    let server = feed_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = setup(&server, dir.path());
    feedletter()
        .args(["run", "--dry-run=text", "-q", "--now", NOW, "-c"])
        .arg(&path)
        .assert()
        .success()
        .stderr("");
    feedletter()
        .args(["run", "-q", "no-such-digest", "-c"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with(
            "error: no digest named `no-such-digest`",
        ));
}

#[test]
fn gathering_reports_every_feed_to_the_progress_hook() {
    let server = feed_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = feedletter::config::load(&setup(&server, dir.path())).expect("valid");
    let state = feedletter::state::State::open_scratch(&config.state).expect("state");
    let done = AtomicUsize::new(0);
    let now = chrono::DateTime::parse_from_rfc3339(NOW)
        .expect("time")
        .to_utc();
    let gathered = feedletter::gather::gather(&config, &state, now, false, &|_| {
        done.fetch_add(1, Ordering::SeqCst);
    })
    .expect("gathered");
    assert_eq!(done.load(Ordering::SeqCst), 2);
    assert_eq!(gathered.reports.len(), 2);
}
