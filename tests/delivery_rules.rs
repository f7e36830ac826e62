//! The delivery rules, end to end through the binary against the local SMTP server:
//! `smtp.timeout` is one deadline, a refused recipient does not block the others, sent
//! is recorded before QUIT, digests fail independently, and a pinned certificate lets
//! a self-signed (CA:TRUE) relay in.

pub mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use support::smtp_server::{Mode, Options, SmtpServer};
use support::{FeedServer, Route, feedletter, rss, write_config};

const NOW: &str = "2026-05-14T07:00:00Z";
const LATER: &str = "2026-05-14T08:00:00Z";
const USER: &str = "digest@example.com";
const PASSWORD: &str = "s3cret-pass-phrase";

/// Two items a day old, over HTTP.
fn feed_server() -> FeedServer {
    FeedServer::start(vec![(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("a", "Alpha item", "Wed, 13 May 2026 07:00:00 GMT"),
                ("b", "Bravo item", "Wed, 13 May 2026 08:00:00 GMT"),
            ]),
        ),
    )])
}

/// A temp dir holding feeds.yaml: the feed, `digests` (YAML under `digests:`) and an
/// smtp section for `smtp` with `trust` (a `ca_file:` or `tls_fingerprint:` line).
struct Setup {
    _feeds: FeedServer,
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Setup {
    fn new(smtp: &SmtpServer, digests: &str, timeout: &str) -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = smtp.write_ca_file(dir.path());
        Setup::with_trust(
            smtp,
            digests,
            timeout,
            dir,
            &format!("ca_file: {}", ca.display()),
        )
    }

    fn with_trust(
        smtp: &SmtpServer,
        digests: &str,
        timeout: &str,
        dir: tempfile::TempDir,
        trust: &str,
    ) -> Setup {
        let feeds = feed_server();
        let config = write_config(
            dir.path(),
            &format!(
                "state: state.db\nfeeds:\n  - url: \"{}\"\ndigests:\n{digests}smtp:\n  host: 127.0.0.1\n  port: {}\n  security: starttls\n  username: {USER}\n  password_env: FEEDLETTER_SMTP_PASSWORD\n  from: \"Feedletter <{USER}>\"\n  timeout: {timeout}\n  {trust}\n",
                feeds.url("/feed.xml"),
                smtp.port(),
            ),
        );
        Setup {
            _feeds: feeds,
            dir,
            config,
        }
    }

    fn run(&self, now: &str) -> Output {
        feedletter()
            .env("FEEDLETTER_SMTP_PASSWORD", PASSWORD)
            .args(["run", "--now", now, "-c"])
            .arg(&self.config)
            .output()
            .expect("feedletter runs")
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state.db")
    }

    /// (digest, item key) rows of the sent table, sorted.
    fn sent(&self) -> Vec<(String, String)> {
        let conn = rusqlite::Connection::open_with_flags(
            self.state(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("state opens");
        let mut stmt = conn
            .prepare("SELECT digest, key FROM sent ORDER BY digest, key")
            .expect("query");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows read")
    }
}

fn login_server(options: Options) -> SmtpServer {
    SmtpServer::start(options.with_login(USER, PASSWORD))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const DAILY: &str = "  daily:\n    window: 2d\n    to: [me@example.com]\n";

fn keys(digest: &str) -> Vec<(String, String)> {
    ["a", "b"]
        .iter()
        .map(|k| (digest.to_string(), k.to_string()))
        .collect()
}

#[test]
fn the_timeout_is_one_deadline_for_the_whole_conversation() {
    // Every reply comes after 0.6 s: each one is well inside a 2 s socket timeout, but
    // the greeting, two EHLOs, STARTTLS, AUTH, MAIL, RCPT, DATA and the message need 5 s.
    let mut options = Options::new(Mode::StartTls);
    options.reply_delay = Some(Duration::from_millis(600));
    let smtp = login_server(options);
    let setup = Setup::new(&smtp, DAILY, "2s");
    let started = Instant::now();
    let out = setup.run(NOW);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "error: digest daily was not delivered: 127.0.0.1:{} did not answer within 2s",
            smtp.port()
        )),
        "{}",
        stderr(&out)
    );
    assert!(
        elapsed < Duration::from_millis(3500),
        "2s budget, the run took {elapsed:?}"
    );
    assert!(smtp.messages().is_empty());
    assert!(setup.sent().is_empty(), "nothing recorded as sent");
}

#[test]
fn a_refused_recipient_is_named_and_the_others_get_the_digest() {
    let mut options = Options::new(Mode::StartTls);
    options.reject_recipients = vec!["gone@example.com".into(), "lost@example.com".into()];
    let smtp = login_server(options);
    let digests = "  daily:\n    window: 2d\n    to: [me@example.com]\n    bcc: [gone@example.com, lost@example.com, you@example.com]\n";
    let setup = Setup::new(&smtp, digests, "5s");

    let out = setup.run(NOW);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "error: digest daily: the mail server refused the recipient gone@example.com: 550 Mailbox unavailable; the 2 other recipients got it"
        ),
        "{}",
        stderr(&out)
    );
    // Each refusal is a line of its own, named after the digest.
    assert!(
        stderr(&out).contains(
            "\nerror: digest daily: the mail server refused the recipient lost@example.com: 550 Mailbox unavailable; the 2 other recipients got it"
        ),
        "{}",
        stderr(&out)
    );
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, ["me@example.com", "you@example.com"]);
    assert_eq!(setup.sent(), keys("daily"), "the items count as sent");

    // The next run owes nothing: the refused address no longer blocks anyone.
    let again = setup.run(LATER);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(smtp.messages().len(), 1);
}

#[test]
fn when_every_recipient_is_refused_the_digest_fails_and_stays_owed() {
    let mut options = Options::new(Mode::StartTls);
    options.reject_recipients = vec!["gone@example.com".into()];
    let smtp = login_server(options);
    let digests = "  daily:\n    window: 2d\n    to: [gone@example.com]\n";
    let setup = Setup::new(&smtp, digests, "5s");
    let out = setup.run(NOW);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "error: digest daily was not delivered: 127.0.0.1:{} rejected the recipient gone@example.com: 550 Mailbox unavailable",
            smtp.port()
        )),
        "{}",
        stderr(&out)
    );
    assert!(smtp.messages().is_empty());
    assert!(setup.sent().is_empty());
}

#[test]
fn sent_is_recorded_before_quit_so_a_crash_while_quitting_sends_nothing_twice() {
    support::bounded(Duration::from_secs(60), || {
        let mut options = Options::new(Mode::StartTls);
        options.quit_delay = Some(Duration::from_secs(20));
        let smtp = login_server(options);
        let setup = Setup::new(&smtp, DAILY, "30s");
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("feedletter"))
            .env("FEEDLETTER_SMTP_PASSWORD", PASSWORD)
            .args(["run", "-q", "--now", NOW, "-c"])
            .arg(&setup.config)
            .spawn()
            .expect("feedletter starts");
        let started = Instant::now();
        while !smtp.log().verbs().iter().any(|v| v == "QUIT") {
            assert!(started.elapsed() < Duration::from_secs(20), "no QUIT came");
            std::thread::sleep(Duration::from_millis(20));
        }
        // The server holds its answer to QUIT; the delivery is already on record.
        assert_eq!(setup.sent(), keys("daily"));
        child.kill().expect("kill");
        let _ = child.wait();

        let again = setup.run(LATER);
        assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
        assert_eq!(smtp.messages().len(), 1, "not sent a second time");
    });
}

#[test]
fn one_digest_failing_does_not_stop_the_others() {
    let smtp = login_server(Options::new(Mode::StartTls));
    let digests = "  broken:\n    window: 2d\n    subject: \"{{ items|length // 0 }}\"\n    to: [me@example.com]\n  unrecorded:\n    window: 2d\n    to: [me@example.com]\n  fine:\n    window: 2d\n    to: [me@example.com]\n";
    let setup = Setup::new(&smtp, digests, "5s");
    // A state whose sent table refuses one digest's records, as a full disk would.
    drop(feedletter::state::State::open(&setup.state()).expect("state created"));
    rusqlite::Connection::open(setup.state())
        .expect("state opens")
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON sent WHEN NEW.digest = 'unrecorded'
             BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
        )
        .expect("trigger");

    let out = setup.run(NOW);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: digest broken was not rendered: subject of digest broken:"),
        "{err}"
    );
    assert!(
        err.contains("error: digest unrecorded WAS delivered (the mail server accepted it), but it could not be recorded as sent: state file"),
        "{err}"
    );
    assert!(
        err.contains("the next run will send the same items again"),
        "{err}"
    );
    assert_eq!(
        smtp.messages().len(),
        2,
        "unrecorded and fine were both sent"
    );
    assert_eq!(setup.sent(), keys("fine"));
}

/// A CA:TRUE self-signed certificate, as `openssl req -x509` makes: rustls refuses it
/// as a server certificate even when it is the trusted CA.
fn ca_certificate_server() -> SmtpServer {
    let mut options = Options::new(Mode::StartTls);
    options.ca_certificate = true;
    login_server(options)
}

#[test]
fn a_ca_certificate_given_as_ca_file_is_refused_with_a_hint_to_pin_it() {
    let smtp = ca_certificate_server();
    let setup = Setup::new(&smtp, DAILY, "5s");
    let out = setup.run(NOW);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "error: digest daily was not delivered: TLS with 127.0.0.1:{} failed: the server's certificate is a CA certificate used as the server's own (what `openssl req -x509` makes)",
            smtp.port()
        )),
        "{err}"
    );
    assert!(
        err.contains("set smtp.tls_fingerprint to its SHA-256 fingerprint"),
        "{err}"
    );
    assert!(smtp.log().auth.is_empty(), "no credentials were sent");
}

#[test]
fn a_pinned_self_signed_relay_is_trusted_and_no_other_certificate_is() {
    let smtp = ca_certificate_server();
    let pin = format!(
        "tls_fingerprint: \"sha256 Fingerprint={}\"",
        smtp.fingerprint()
    );
    let setup = Setup::with_trust(&smtp, DAILY, "5s", tempfile::tempdir().unwrap(), &pin);
    let out = setup.run(NOW);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(smtp.messages().len(), 1);
    let probe = feedletter()
        .env("FEEDLETTER_SMTP_PASSWORD", PASSWORD)
        .args(["check", "--smtp", "-c"])
        .arg(&setup.config)
        .output()
        .unwrap();
    assert_eq!(probe.status.code(), Some(0), "{}", stderr(&probe));

    // Another server's certificate, even a self-signed one just like it, is not trusted.
    let impostor = ca_certificate_server();
    let setup = Setup::with_trust(&impostor, DAILY, "5s", tempfile::tempdir().unwrap(), &pin);
    let out = setup.run(NOW);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "TLS with 127.0.0.1:{} failed: the server's certificate has SHA-256 fingerprint {}, not the one in smtp.tls_fingerprint",
            impostor.port(),
            impostor.fingerprint()
        )),
        "{err}"
    );
    let log = impostor.log();
    assert!(log.auth.is_empty(), "no credentials for the impostor");
    assert!(log.messages.is_empty());
    assert!(
        !log.verbs().iter().any(|v| v == "MAIL"),
        "{:?}",
        log.verbs()
    );
}

#[cfg(unix)]
#[test]
fn a_password_file_others_can_read_is_warned_about_by_run_and_check() {
    use std::os::unix::fs::PermissionsExt;
    let smtp = login_server(Options::new(Mode::StartTls));
    let dir = tempfile::tempdir().unwrap();
    let ca = smtp.write_ca_file(dir.path());
    let password = dir.path().join("password.txt");
    std::fs::write(&password, format!("{PASSWORD}\n")).unwrap();
    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o644)).unwrap();
    let trust = format!("ca_file: {}", ca.display());
    let setup = Setup::with_trust(&smtp, DAILY, "5s", dir, &trust);
    let yaml = std::fs::read_to_string(&setup.config).unwrap().replace(
        "password_env: FEEDLETTER_SMTP_PASSWORD",
        "password_file: password.txt",
    );
    std::fs::write(&setup.config, yaml).unwrap();
    let warning = format!(
        "warning: smtp.password_file {} can be read by everyone (mode 644); run `chmod 600 {}`",
        password.display(),
        password.display()
    );

    let check = feedletter()
        .args(["check", "-c"])
        .arg(&setup.config)
        .output()
        .unwrap();
    assert!(stderr(&check).contains(&warning), "{}", stderr(&check));
    let run = setup.run(NOW);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(stderr(&run).contains(&warning), "{}", stderr(&run));

    std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
    let check = feedletter()
        .args(["check", "-c"])
        .arg(&setup.config)
        .output()
        .unwrap();
    assert!(
        !stderr(&check).contains("password_file"),
        "{}",
        stderr(&check)
    );
}

/// Runs against `state`, which must be refused and left byte for byte as it was.
fn assert_refused_untouched(state: &Path, expected: &str) {
    let smtp = login_server(Options::new(Mode::StartTls));
    let setup = Setup::new(&smtp, DAILY, "5s");
    std::fs::copy(state, setup.state()).expect("copy state");
    let before = std::fs::read(setup.state()).unwrap();
    let out = setup.run(NOW);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    let after = std::fs::read(setup.state()).unwrap();
    // Not assert_eq: a failure would print both files byte by byte.
    assert!(after == before, "the state file was changed");
    assert!(smtp.messages().is_empty());
}

#[test]
fn a_state_from_a_newer_version_or_another_program_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.db");
    {
        // A WAL file: switching the journal mode would rewrite its header.
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE feeds (location TEXT); PRAGMA user_version = 99;")
            .unwrap();
    }
    assert_refused_untouched(
        &newer,
        "was written by a newer feedletter (schema 99, this one knows",
    );

    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE bookmarks (url TEXT);")
        .unwrap();
    assert_refused_untouched(
        &foreign,
        "is not a feedletter state file (an SQLite database with other tables)",
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "not a database, just some notes that are long enough\n".repeat(20),
    )
    .unwrap();
    assert_refused_untouched(
        &text,
        "is not a feedletter state file (not an SQLite database)",
    );
}
