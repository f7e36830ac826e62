//! What `run` says on stderr and what it refuses before the first request: labels,
//! plurals, -v and -vv, --wait, and the mistakes the config and the command line show
//! on their own. Loopback servers only.

pub mod support;

use std::path::Path;
use std::time::Duration;

use support::bounded;
use support::{FeedServer, Route, closed_port, feedletter, rss, write_config};

const LIMIT: Duration = Duration::from_secs(60);
const USER: &str = "digest@example.com";

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_eml_preview_without_smtp_fails_before_any_request() {
    bounded(LIMIT, || {
        let items = [("a", "First", "Tue, 12 May 2026 08:00:00 GMT")];
        let server = FeedServer::start(vec![(
            "/feed.xml",
            Route::ok("application/rss+xml", rss(&items)),
        )]);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_config(
            dir.path(),
            &format!(
                "feeds:\n  - url: {}\ndigests:\n  daily:\n    to: [me@example.com]\n",
                server.url("/feed.xml")
            ),
        );
        let output = feedletter()
            .args(["run", "--dry-run=eml", "-c"])
            .arg(&path)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(
            stderr(&output).starts_with("error: --dry-run=eml needs an `smtp:` section in "),
            "{}",
            stderr(&output)
        );
        assert_eq!(server.seen().len(), 0, "no request was made");
    });
}

/// `run` with the password in `source` (YAML) and FEEDLETTER_SMTP_PASSWORD set to
/// `env`, when given: its exit code and stderr, and how many requests it made.
fn run_with_password(source: &str, env: Option<&str>) -> (Option<i32>, String, usize) {
    let items = [("a", "First", "Tue, 12 May 2026 08:00:00 GMT")];
    let server = FeedServer::start(vec![(
        "/feed.xml",
        Route::ok("application/rss+xml", rss(&items)),
    )]);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("empty.txt"), "\n").expect("write");
    let path = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: {}\ndigests:\n  daily:\n    to: [me@example.com]\nsmtp:\n  host: 127.0.0.1\n  port: {}\n  username: {USER}\n  {source}\n  from: {USER}\n",
            server.url("/feed.xml"),
            closed_port()
        ),
    );
    let mut command = feedletter();
    if let Some(value) = env {
        command.env("FEEDLETTER_SMTP_PASSWORD", value);
    }
    let output = command
        .args(["run", "-c"])
        .arg(&path)
        .output()
        .expect("runs");
    assert!(!dir.path().join("feedletter.db").exists());
    (output.status.code(), stderr(&output), server.seen().len())
}

#[test]
fn an_unset_empty_or_unreadable_password_fails_a_run_before_any_request() {
    bounded(LIMIT, || {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().display();
        let env = "password_env: FEEDLETTER_SMTP_PASSWORD";
        let cases = [
            (env, None, "the SMTP password variable FEEDLETTER_SMTP_PASSWORD (smtp.password_env) is not set".to_string()),
            (env, Some(""), "the SMTP password from variable FEEDLETTER_SMTP_PASSWORD is empty".to_string()),
            ("password_file: empty.txt", None, "the SMTP password from file ".to_string()),
            ("password_file: /dev/zero", None, "cannot read the SMTP password file /dev/zero (smtp.password_file): not a regular file".to_string()),
            (&format!("password_file: {folder}"), None, format!("cannot read the SMTP password file {folder} (smtp.password_file): not a regular file")),
        ];
        for (source, value, message) in cases {
            let (code, stderr, requests) = run_with_password(source, value);
            assert_eq!(code, Some(2), "{source}: {stderr}");
            assert!(
                stderr.starts_with(&format!("error: {message}")),
                "{source}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert_eq!(requests, 0, "{source}: no request was made");
        }
    });
}

/// A server with one unnamed feed that works and one that is gone, and a config for it.
fn two_unnamed_feeds(dir: &Path) -> (FeedServer, std::path::PathBuf) {
    let items = [
        ("a", "First", "Tue, 12 May 2026 08:00:00 GMT"),
        ("b", "Second", ""),
    ];
    let server = FeedServer::start(vec![
        (
            "/ok.xml",
            Route::ok("application/rss+xml", rss(&items)).with_etag("\"v1\""),
        ),
        ("/gone.xml", Route::status(404)),
    ]);
    let path = write_config(
        dir,
        &format!(
            "feeds:\n  - url: {}\n  - url: {}\ndigests:\n  daily:\n    window: 7d\n    to: [me@example.com]\n",
            server.url("/ok.xml"),
            server.url("/gone.xml")
        ),
    );
    (server, path)
}

fn dry_run_stderr(path: &Path, flag: &str) -> String {
    let output = feedletter()
        .args([
            "run",
            "--dry-run=text",
            flag,
            "--now",
            "2026-05-13T12:00:00Z",
            "-c",
        ])
        .arg(path)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stderr(&output)
}

#[test]
fn vv_adds_the_request_the_response_the_parse_and_the_selection_to_v() {
    bounded(LIMIT, || {
        let dir = tempfile::tempdir().expect("tempdir");
        let (server, path) = two_unnamed_feeds(dir.path());
        let ok = server.url("/ok.xml");
        let gone = server.url("/gone.xml");
        let v = dry_run_stderr(&path, "-v");
        let vv = dry_run_stderr(&path, "-vv");
        let v_lines: Vec<&str> = v.lines().collect();
        let vv_lines: Vec<&str> = vv.lines().collect();
        assert!(vv_lines.len() > v_lines.len(), "-v:\n{v}\n-vv:\n{vv}");
        // Times differ between runs; everything else -v says, -vv says too.
        let timeless = |l: &&str| !l.ends_with('s') && !l.contains(" failed after ");
        for line in v_lines.iter().copied().filter(timeless) {
            assert!(vv_lines.contains(&line), "{line:?} missing from -vv:\n{vv}");
        }
        // The unnamed feed goes by its own title once known.
        assert!(
            v_lines
                .iter()
                .any(|l| l.starts_with("feed Test Feed: status 200, 2 items, ")),
            "{v}"
        );
        let expected = [
            format!("GET {ok}: no conditional headers"),
            format!("{ok}: 200 OK, application/rss+xml, validators ETag \"v1\""),
            "feed Test Feed: parsed 2 items, 1 undated, read as UTF-8".to_string(),
            format!("GET {gone}: no conditional headers"),
            format!("{gone}: 404 Not Found, text/plain, no validators"),
            "daily: 2 items offered: 2 selected".to_string(),
        ];
        for line in &expected {
            assert!(vv_lines.contains(&line.as_str()), "{line:?} missing:\n{vv}");
            assert!(
                !v_lines.contains(&line.as_str()),
                "{line:?} is -vv only:\n{v}"
            );
        }
    });
}

#[test]
fn an_unnamed_feed_is_not_named_twice_and_counts_are_singular_when_one() {
    bounded(LIMIT, || {
        let dir = tempfile::tempdir().expect("tempdir");
        let (server, path) = two_unnamed_feeds(dir.path());
        let err = dry_run_stderr(&path, "-q");
        assert_eq!(err, "");
        let err = feedletter()
            .args([
                "run",
                "--dry-run=text",
                "--now",
                "2026-05-13T12:00:00Z",
                "-c",
            ])
            .arg(&path)
            .output()
            .expect("runs");
        let err = stderr(&err);
        assert_eq!(
            err.lines().collect::<Vec<_>>(),
            [
                format!(
                    "warning: feed {}: HTTP 404 Not Found",
                    server.url("/gone.xml")
                ),
                "daily: 1 feed ok, 1 failed; 2 items selected".to_string(),
            ],
            "{err}"
        );
    });
}

#[test]
fn a_local_file_is_read_not_given_a_status() {
    let output = feedletter()
        .current_dir(support::repo_root())
        .args(["run", "--dry-run=text", "-v", "-c", "examples/offline.yaml"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    let feed_lines: Vec<&str> = err.lines().filter(|l| l.starts_with("feed ")).collect();
    assert_eq!(feed_lines.len(), 3, "{err}");
    for line in feed_lines {
        assert!(line.contains(": read, "), "{line}");
        assert!(!line.contains("status"), "{line}");
    }
}

#[test]
fn wait_says_what_it_waits_for() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    bounded(LIMIT, || {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("feed.xml"), rss(&[])).expect("feed");
        let path = write_config(
            dir.path(),
            &format!(
                "feeds:\n  - path: feed.xml\ndigests:\n  daily:\n    to: [me@example.com]\nsmtp:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  from: {USER}\n",
                closed_port()
            ),
        );
        let state = dir.path().join("feedletter.db");
        let lock = std::fs::File::create(dir.path().join("feedletter.db.lock")).expect("lock");
        lock.lock().expect("take the lock");
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("feedletter"))
            .args(["run", "--wait", "-c"])
            .arg(&path)
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let first = lines.next().expect("a line").expect("UTF-8");
        assert_eq!(
            first,
            format!(
                "waiting for the other feedletter run on {} to finish (--wait)",
                state.display()
            )
        );
        drop(lock);
        let status = child.wait().expect("exits");
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        assert!(status.success(), "{rest:?}");
        assert!(
            rest.contains(&"daily: nothing new, nothing sent (send_empty is off)".to_string()),
            "{rest:?}"
        );
    });
}
