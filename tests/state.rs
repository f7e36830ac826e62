//! The state across runs: never resend, never miss, conditional GET, first-seen
//! dates, a run lock. Real HTTP, real SMTP (STARTTLS + AUTH), a real SQLite file.

pub mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use support::smtp_server::{Mode, Options, SmtpServer};
use support::{FeedServer, Route, feedletter, rss, write_config};

const T0: &str = "2026-05-14T07:00:00Z";
const USER: &str = "digest@example.com";
const PASSWORD: &str = "correct horse battery staple";

struct Setup {
    dir: tempfile::TempDir,
    feeds: FeedServer,
    smtp: SmtpServer,
    ca: PathBuf,
}

fn setup(feed: Vec<u8>) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let feeds = FeedServer::start(vec![(
        "/feed.xml",
        Route::ok("application/rss+xml", feed).with_etag("\"v1\""),
    )]);
    let smtp = SmtpServer::start(Options::new(Mode::StartTls).with_login(USER, PASSWORD));
    let ca = smtp.write_ca_file(dir.path());
    Setup {
        dir,
        feeds,
        smtp,
        ca,
    }
}

impl Setup {
    fn config(&self, smtp_port: u16, digests: &str) -> PathBuf {
        write_config(
            self.dir.path(),
            &format!(
                r#"state: state.db
fetch: {{ timeout: 5s, retries: 0 }}
feeds:
  - url: {feed}
digests:
{digests}
smtp:
  host: 127.0.0.1
  port: {smtp_port}
  security: starttls
  username: {USER}
  password_env: FEEDLETTER_SMTP_PASSWORD
  from: "Feedletter <{USER}>"
  timeout: 2s
  ca_file: {ca}
"#,
                feed = self.feeds.url("/feed.xml"),
                ca = self.ca.display(),
            ),
        )
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("state.db")
    }

    fn sent_rows(&self) -> i64 {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.query_row("SELECT COUNT(*) FROM sent", [], |r| r.get(0))
            .unwrap()
    }

    /// Text parts of every message the SMTP server accepted, in order.
    fn texts(&self) -> Vec<String> {
        self.smtp
            .messages()
            .iter()
            .map(|m| {
                let parsed = mail_parser::MessageParser::default()
                    .parse(&m.data)
                    .expect("parsable message");
                parsed.body_text(0).expect("text part").into_owned()
            })
            .collect()
    }
}

const DAILY: &str = "  daily:\n    window: 1d\n    to: [me@example.com]\n";

fn run(config: &Path, now: &str, extra: &[&str]) -> Output {
    feedletter()
        .env("FEEDLETTER_SMTP_PASSWORD", PASSWORD)
        .args(["run", "--now", now, "-c"])
        .arg(config)
        .args(extra)
        .output()
        .expect("feedletter runs")
}

fn three_items() -> Vec<u8> {
    rss(&[
        ("a", "Alpha item", "Thu, 14 May 2026 06:00:00 +0000"),
        ("b", "Bravo item", "Thu, 14 May 2026 05:00:00 +0000"),
        ("c", "Charlie item", "Thu, 14 May 2026 04:00:00 +0000"),
    ])
}

fn four_items() -> Vec<u8> {
    rss(&[
        ("d", "Delta item", "Thu, 14 May 2026 06:30:00 +0000"),
        ("a", "Alpha item", "Thu, 14 May 2026 06:00:00 +0000"),
        ("b", "Bravo item", "Thu, 14 May 2026 05:00:00 +0000"),
        ("c", "Charlie item", "Thu, 14 May 2026 04:00:00 +0000"),
    ])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn second_run_sends_nothing_and_the_feed_answers_304() {
    let s = setup(three_items());
    let config = s.config(s.smtp.port(), DAILY);
    let first = run(&config, T0, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let texts = s.texts();
    assert_eq!(texts.len(), 1);
    for title in ["Alpha item", "Bravo item", "Charlie item"] {
        assert!(texts[0].contains(title), "{title} in {}", texts[0]);
    }

    let second = run(&config, "2026-05-14T08:00:00Z", &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(s.smtp.messages().len(), 1, "nothing new, nothing sent");
    assert!(
        stderr(&second).contains("nothing new"),
        "{}",
        stderr(&second)
    );
    let seen = s.feeds.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].if_none_match, None);
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(seen[1].status, 304);
}

#[test]
fn send_empty_sends_an_empty_digest_when_nothing_is_new() {
    let s = setup(three_items());
    let config = s.config(
        s.smtp.port(),
        "  weekly:\n    window: 7d\n    send_empty: true\n    to: [team@example.com]\n",
    );
    assert!(run(&config, T0, &[]).status.success());
    assert!(run(&config, "2026-05-14T08:00:00Z", &[]).status.success());
    let texts = s.texts();
    assert_eq!(texts.len(), 2);
    assert!(texts[1].contains("0 items"), "{}", texts[1]);
    assert!(!texts[1].contains("Alpha item"));
}

#[test]
fn only_the_new_item_is_sent() {
    let s = setup(three_items());
    let config = s.config(s.smtp.port(), DAILY);
    assert!(run(&config, T0, &[]).status.success());
    s.feeds.set(
        "/feed.xml",
        Route::ok("application/rss+xml", four_items()).with_etag("\"v2\""),
    );
    let second = run(&config, "2026-05-14T08:00:00Z", &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    let texts = s.texts();
    assert_eq!(texts.len(), 2);
    assert!(texts[1].contains("Delta item"));
    for old in ["Alpha item", "Bravo item", "Charlie item"] {
        assert!(!texts[1].contains(old), "{old} was sent again");
    }
}

#[test]
fn a_failed_delivery_changes_nothing_that_is_owed() {
    let s = setup(three_items());
    let good = s.config(s.smtp.port(), DAILY);
    assert!(run(&good, T0, &[]).status.success());
    let sent_after_first = s.sent_rows();
    assert_eq!(sent_after_first, 3);

    s.feeds.set(
        "/feed.xml",
        Route::ok("application/rss+xml", four_items()).with_etag("\"v2\""),
    );
    let down = s.config(support::closed_port(), DAILY);
    let failed = run(&down, "2026-05-14T08:00:00Z", &[]);
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    assert!(
        stderr(&failed).contains("digest daily was not delivered"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(
        s.sent_rows(),
        sent_after_first,
        "a failed delivery marks nothing sent"
    );

    // The server is back (and the feed now answers 304): run 3 sends what run 2 owed.
    let good = s.config(s.smtp.port(), DAILY);
    let third = run(&good, "2026-05-14T09:00:00Z", &[]);
    assert!(third.status.success(), "{}", stderr(&third));
    let texts = s.texts();
    assert_eq!(texts.len(), 2);
    assert!(texts[1].contains("Delta item"), "{}", texts[1]);
    assert!(!texts[1].contains("Alpha item"));
    assert_eq!(s.sent_rows(), 4);
}

#[test]
fn daily_and_weekly_digests_each_get_every_item_once() {
    let s = setup(three_items());
    let config = s.config(
        s.smtp.port(),
        "  daily:\n    window: 1d\n    to: [me@example.com]\n  weekly:\n    window: 7d\n    to: [team@example.com]\n",
    );
    assert!(run(&config, T0, &["daily"]).status.success());
    // The weekly run finds the feed unchanged (304) and still gets every item from the state.
    let weekly = run(&config, "2026-05-14T10:00:00Z", &["weekly"]);
    assert!(weekly.status.success(), "{}", stderr(&weekly));
    assert_eq!(s.feeds.seen().last().unwrap().status, 304);
    let both = run(&config, "2026-05-14T11:00:00Z", &[]);
    assert!(both.status.success(), "{}", stderr(&both));

    let messages = s.smtp.messages();
    assert_eq!(messages.len(), 2, "one daily, one weekly, nothing after");
    let texts = s.texts();
    for text in &texts {
        for title in ["Alpha item", "Bravo item", "Charlie item"] {
            assert_eq!(
                text.matches(&format!("* {title}")).count(),
                1,
                "{title} once in {text}"
            );
        }
    }
    assert_eq!(messages[0].to, vec!["me@example.com".to_string()]);
    assert_eq!(messages[1].to, vec!["team@example.com".to_string()]);
}

#[test]
fn undated_items_keep_their_first_seen_date() {
    let feed = rss(&[
        ("u", "Undated item", ""),
        ("a", "Alpha item", "Thu, 14 May 2026 06:00:00 +0000"),
    ]);
    let s = setup(feed);
    let config = s.config(
        s.smtp.port(),
        "  daily:\n    window: 1d\n    to: [me@example.com]\n  later:\n    window: 1d\n    to: [me@example.com]\n",
    );
    assert!(run(&config, T0, &["daily"]).status.success());
    assert!(s.texts()[0].contains("Undated item"));
    // Three days on, the undated item is three days old for a digest that never sent it:
    // it does not come back as "new".
    let preview = run(
        &config,
        "2026-05-17T07:00:00Z",
        &["later", "--dry-run=json"],
    );
    assert!(preview.status.success(), "{}", stderr(&preview));
    let doc: serde_json::Value = serde_json::from_slice(&preview.stdout).unwrap();
    assert_eq!(doc["digests"][0]["items"], serde_json::json!([]));
    // On the day it was first seen it is in the window, dated then.
    let preview = run(
        &config,
        "2026-05-14T20:00:00Z",
        &["later", "--dry-run=json"],
    );
    let doc: serde_json::Value = serde_json::from_slice(&preview.stdout).unwrap();
    let undated = doc["digests"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == "Undated item")
        .cloned();
    assert_eq!(undated.expect("undated item selected")["date"], T0);
}

#[test]
fn a_dry_run_reads_the_state_but_never_writes_it() {
    let s = setup(three_items());
    let config = s.config(s.smtp.port(), DAILY);
    let preview = run(&config, T0, &["--dry-run=text"]);
    assert!(preview.status.success(), "{}", stderr(&preview));
    assert!(!s.db().exists(), "a preview creates no state file");
    assert!(String::from_utf8_lossy(&preview.stdout).contains("Alpha item"));

    assert!(run(&config, T0, &[]).status.success());
    let before = std::fs::read(s.db()).unwrap();
    let preview = run(&config, "2026-05-14T08:00:00Z", &["--dry-run=json"]);
    assert!(preview.status.success(), "{}", stderr(&preview));
    let doc: serde_json::Value = serde_json::from_slice(&preview.stdout).unwrap();
    assert_eq!(
        doc["digests"][0]["items"],
        serde_json::json!([]),
        "sent items are not previewed again"
    );
    assert_eq!(
        std::fs::read(s.db()).unwrap(),
        before,
        "state unchanged by the preview"
    );
    // And it asked for the whole feed, not a conditional GET.
    assert_eq!(s.feeds.seen().last().unwrap().if_none_match, None);
    assert_eq!(s.smtp.messages().len(), 1);
}

#[test]
fn a_second_concurrent_run_exits_with_the_lock_message() {
    let s = setup(three_items());
    s.feeds.set(
        "/feed.xml",
        Route::ok("application/rss+xml", three_items()).with_delay(Duration::from_millis(1500)),
    );
    let config = s.config(s.smtp.port(), DAILY);
    let bin = assert_cmd::cargo::cargo_bin("feedletter");
    let first = std::process::Command::new(&bin)
        .env("FEEDLETTER_SMTP_PASSWORD", PASSWORD)
        .args(["run", "--now", T0, "-c"])
        .arg(&config)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let second = run(&config, T0, &[]);
    assert_eq!(second.status.code(), Some(3), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("another feedletter run is using"),
        "{}",
        stderr(&second)
    );
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(s.smtp.messages().len(), 1);
}

#[test]
fn a_run_killed_at_any_point_loses_nothing_and_repeats_at_most_once() {
    let s = setup(three_items());
    let config = s.config(s.smtp.port(), DAILY);
    let bin = assert_cmd::cargo::cargo_bin("feedletter");
    let mut expected: Vec<String> = ["Alpha item", "Bravo item", "Charlie item"]
        .map(String::from)
        .to_vec();
    for (round, kill_after_ms) in [5u64, 40, 120, 250, 400, 700].into_iter().enumerate() {
        // A new item each round, so every round has something to deliver.
        let title = format!("Round {round} item");
        let guid = format!("r{round}");
        let mut list: Vec<(String, String, String)> = vec![(
            guid,
            title.clone(),
            format!("Thu, 14 May 2026 06:{:02}:00 +0000", 10 + round),
        )];
        list.extend(
            [
                ("a", "Alpha item", "06:00"),
                ("b", "Bravo item", "05:00"),
                ("c", "Charlie item", "04:00"),
            ]
            .map(|(g, t, h)| {
                (
                    g.to_string(),
                    t.to_string(),
                    format!("Thu, 14 May 2026 {h}:00 +0000"),
                )
            }),
        );
        for r in 0..round {
            list.push((
                format!("r{r}"),
                format!("Round {r} item"),
                format!("Thu, 14 May 2026 06:{:02}:00 +0000", 10 + r),
            ));
        }
        let borrowed: Vec<(&str, &str, &str)> = list
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        s.feeds.set(
            "/feed.xml",
            Route::ok("application/rss+xml", rss(&borrowed)).with_delay(Duration::from_millis(100)),
        );
        expected.push(title);

        let mut child = std::process::Command::new(&bin)
            .env("FEEDLETTER_SMTP_PASSWORD", PASSWORD)
            .args(["run", "--now", "2026-05-14T07:30:00Z", "-c"])
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(kill_after_ms));
        let _ = child.kill();
        let _ = child.wait();

        // The next run opens the state and finishes the job.
        let next = run(&config, "2026-05-14T07:30:00Z", &[]);
        assert!(next.status.success(), "round {round}: {}", stderr(&next));
    }
    let texts = s.texts();
    for title in &expected {
        let count = texts.iter().filter(|t| t.contains(title.as_str())).count();
        assert!(count >= 1, "{title} was lost");
        assert!(count <= 2, "{title} was sent {count} times");
    }
    // Nothing is owed any more.
    let last = run(&config, "2026-05-14T07:30:00Z", &[]);
    assert!(last.status.success());
    assert_eq!(s.texts().len(), texts.len());
}

#[test]
fn old_items_that_left_their_feed_are_pruned() {
    let s = setup(three_items());
    let config = s.config(s.smtp.port(), DAILY);
    assert!(run(&config, T0, &[]).status.success());
    s.feeds.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[("z", "Zulu item", "Thu, 25 Jun 2026 06:00:00 +0000")]),
        )
        .with_etag("\"v9\""),
    );
    // Past the window, plus catch_up (7d by default), plus the state's 30-day margin.
    assert!(run(&config, "2026-06-25T07:00:00Z", &[]).status.success());
    let conn = rusqlite::Connection::open(s.db()).unwrap();
    let keys: Vec<String> = conn
        .prepare("SELECT key FROM items ORDER BY key")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(keys, vec!["z".to_string()]);
    let sent: i64 = conn
        .query_row("SELECT COUNT(*) FROM sent", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sent, 1, "only the Zulu item's record is left");
}

#[test]
fn the_footer_flags_a_feed_failing_several_runs_in_a_row() {
    let s = setup(three_items());
    s.feeds.set("/broken.xml", Route::status(500));
    let config = s.config(s.smtp.port(), DAILY);
    let yaml = std::fs::read_to_string(&config).unwrap().replace(
        "feeds:\n",
        &format!(
            "feeds:\n  - url: {}\n    name: Flaky Feed\n",
            s.feeds.url("/broken.xml")
        ),
    );
    std::fs::write(&config, yaml).unwrap();
    assert!(run(&config, T0, &[]).status.success());
    assert!(run(&config, "2026-05-15T07:00:00Z", &[]).status.success());
    // The third run's footer says how long the feed has been failing.
    let preview = run(&config, "2026-05-16T07:00:00Z", &["--dry-run=text"]);
    let text = String::from_utf8_lossy(&preview.stdout);
    assert!(text.contains("Flaky Feed"), "{text}");
    assert!(
        text.contains("failing since 14 May 2026 (3 runs in a row)"),
        "{text}"
    );
    // The first run's digest named it too, without the streak.
    assert!(s.texts()[0].contains("Flaky Feed"));
    assert!(!s.texts()[0].contains("runs in a row"));
}

#[test]
fn an_item_that_left_its_feed_before_it_was_sent_is_still_delivered() {
    let s = setup(three_items());
    // Run 1 cannot deliver: Alpha, Bravo and Charlie are owed.
    let down = s.config(support::closed_port(), DAILY);
    assert_eq!(run(&down, T0, &[]).status.code(), Some(1));
    // By run 2 the feed has rotated Alpha out and Delta in.
    s.feeds.set(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            rss(&[
                ("d", "Delta item", "Thu, 14 May 2026 06:30:00 +0000"),
                ("b", "Bravo item", "Thu, 14 May 2026 05:00:00 +0000"),
                ("c", "Charlie item", "Thu, 14 May 2026 04:00:00 +0000"),
            ]),
        )
        .with_etag("\"v2\""),
    );
    let good = s.config(s.smtp.port(), DAILY);
    let second = run(&good, "2026-05-14T08:00:00Z", &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    let texts = s.texts();
    assert_eq!(texts.len(), 1);
    for title in ["Alpha item", "Bravo item", "Charlie item", "Delta item"] {
        assert!(
            texts[0].contains(&format!("* {title}")),
            "{title} owed:\n{}",
            texts[0]
        );
    }
    // And nothing is owed afterwards.
    assert!(run(&good, "2026-05-14T09:00:00Z", &[]).status.success());
    assert_eq!(s.texts().len(), 1);
}

#[test]
fn a_future_dated_item_is_sent_once_even_after_pruning() {
    let s = setup(rss(&[(
        "f",
        "Future item",
        "Sat, 14 May 2033 06:00:00 +0000",
    )]));
    let config = s.config(s.smtp.port(), DAILY);
    assert!(run(&config, T0, &[]).status.success());
    assert_eq!(s.texts().len(), 1);
    // Well past the window plus the state's margin, the item is still in its feed
    // and still dated in the future: it must not look new.
    for later in ["2026-06-30T07:00:00Z", "2026-09-01T07:00:00Z"] {
        let out = run(&config, later, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(s.texts().len(), 1, "sent once");
}

#[test]
fn a_preview_leaves_no_files_beside_an_existing_state() {
    let s = setup(three_items());
    let config = s.config(s.smtp.port(), DAILY);
    assert!(run(&config, T0, &[]).status.success());
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(s.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = listing();
    let preview = run(&config, "2026-05-14T08:00:00Z", &["--dry-run=json"]);
    assert!(preview.status.success(), "{}", stderr(&preview));
    assert_eq!(listing(), before);
}

/// Item texts live in the state, not in memory: every gathered item, fresh or read
/// back after a 304, holds its texts as stored, with each digest's keyword verdict
/// already worked out; `load_texts` brings the texts back whole.
#[test]
fn gathered_items_keep_their_texts_in_the_state() {
    use feedletter::model::{ItemTexts, Texts};

    let s = setup(rss(&[
        ("a", "Rust news", "Thu, 14 May 2026 06:00:00 GMT"),
        ("b", "Go news", "Thu, 14 May 2026 05:00:00 GMT"),
    ]));
    let path = write_config(
        s.dir.path(),
        &format!(
            "feeds:
  - url: {}
digests:
  all:
    window: 24h
    to: [me@example.com]
  rust:
    window: 24h
    keywords: {{ include: [\"(?i)rust\"] }}
    to: [me@example.com]
",
            s.feeds.url("/feed.xml")
        ),
    );
    let config = feedletter::config::load(&path).expect("valid config");
    let (all, rust) = (&config.digests[0], &config.digests[1]);
    let now = chrono::DateTime::parse_from_rfc3339(T0).unwrap().to_utc();
    let state = feedletter::state::State::open(&config.state).expect("state");
    // Unconditional first (a full fetch), then conditional: the server answers 304.
    for (conditional, not_modified) in [(false, false), (true, true)] {
        let gathered =
            feedletter::gather::gather(&config, &state, now, conditional, &|_| {}).expect("gather");
        assert!(
            matches!(
                gathered.reports[0].outcome,
                feedletter::model::FeedOutcome::Ok { items: 2, not_modified: n } if n == not_modified
            ),
            "{:?}",
            gathered.reports[0].outcome
        );
        let feed = &gathered.feeds[0];
        let mut items: Vec<_> = feed.items.iter().collect();
        items.sort_by(|a, b| a.key.cmp(&b.key));
        let verdicts: Vec<_> = items
            .iter()
            .map(|i| {
                (
                    i.key.as_str(),
                    i.texts.clone(),
                    i.keyword_matches.passes(all.index),
                    i.keyword_matches.passes(rust.index),
                )
            })
            .collect();
        assert_eq!(
            verdicts,
            [
                ("a", Texts::Stored, Some(true), Some(true)),
                ("b", Texts::Stored, Some(true), Some(false)),
            ]
        );
        let mut texts = Texts::Stored;
        state
            .load_texts(&feed.location, "a", &mut texts)
            .expect("texts read back");
        assert_eq!(
            texts,
            Texts::Loaded(ItemTexts {
                summary: Some("About Rust news.".into()),
                content: None,
            })
        );
    }
}
