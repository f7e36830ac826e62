//! Digests on a schedule, end to end: one cron line serves a daily and a weekly digest;
//! a failed delivery is retried by the next run; missed slots send one issue; and what a
//! feed published while it was failing still goes out. Real runs moved through time
//! with `--now`, feeds over loopback HTTP, a loopback SMTP server (or a closed port
//! while "the server is down"), the state a real SQLite file.

pub mod support;

use std::path::PathBuf;
use std::process::Output;

use support::smtp_server::{Mode, Options, SmtpServer};
use support::{FeedServer, Route, feedletter, rss, write_config};

type Item = (&'static str, &'static str, &'static str);

struct Setup {
    dir: tempfile::TempDir,
    feeds: FeedServer,
    paths: Vec<String>,
    smtp: SmtpServer,
    /// YAML under `digests:`.
    digests: String,
}

impl Setup {
    fn new(paths: &[&str], digests: &str) -> Setup {
        let routes = paths
            .iter()
            .map(|p| (*p, Route::ok("application/rss+xml", rss(&[]))))
            .collect();
        Setup {
            dir: tempfile::tempdir().unwrap(),
            feeds: FeedServer::start(routes),
            paths: paths.iter().map(|p| p.to_string()).collect(),
            smtp: SmtpServer::start(Options::new(Mode::Plain)),
            digests: digests.to_string(),
        }
    }

    fn serve(&self, path: &str, items: &[Item]) {
        self.feeds
            .set(path, Route::ok("application/rss+xml", rss(items)));
    }

    fn config(&self, server_up: bool) -> PathBuf {
        let port = if server_up {
            self.smtp.port()
        } else {
            support::closed_port()
        };
        let mut feeds = String::new();
        for path in &self.paths {
            feeds.push_str(&format!("  - url: {}\n", self.feeds.url(path)));
        }
        write_config(
            self.dir.path(),
            &format!(
                "state: state.db\nfetch: {{ timeout: 5s, retries: 0 }}\nfeeds:\n{feeds}digests:\n{}smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  from: \"Feedletter <digest@example.com>\"\n  timeout: 2s\n",
                self.digests
            ),
        )
    }

    /// `feedletter run [names] --now NOW`; asserts the exit status.
    fn run(&self, now: &str, names: &[&str], server_up: bool) -> Output {
        let out = feedletter()
            .arg("run")
            .args(names)
            .args(["-v", "--now", now, "-c"])
            .arg(self.config(server_up))
            .output()
            .expect("feedletter runs");
        let expected = if server_up { 0 } else { 1 };
        assert_eq!(
            out.status.code(),
            Some(expected),
            "run at {now}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// (first recipient, item titles) of every message received, in order.
    fn sent(&self) -> Vec<(String, Vec<String>)> {
        self.smtp
            .messages()
            .iter()
            .map(|m| (m.to[0].clone(), titles(&m.data)))
            .collect()
    }
}

/// The titles of the items in a digest's text part (`* Title` lines), in order.
fn titles(data: &[u8]) -> Vec<String> {
    let parsed = mail_parser::MessageParser::default()
        .parse(data)
        .expect("parsable message");
    let text = parsed.body_text(0).expect("text part").into_owned();
    text.lines()
        .filter_map(|l| l.strip_prefix("* "))
        .map(str::to_string)
        .collect()
}

fn mail(to: &str, titles: &[&str]) -> (String, Vec<String>) {
    (
        to.to_string(),
        titles.iter().map(|t| t.to_string()).collect(),
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const DAILY_AND_WEEKLY: &str = "  daily:\n    schedule: \"0 7 * * *\"\n    to: [daily@example.com]\n  weekly:\n    schedule: \"0 8 * * MON\"\n    window: 7d\n    send_empty: true\n    to: [team@example.com]\n";

const ALPHA: Item = ("a", "Alpha", "Mon, 18 May 2026 06:00:00 +0000");
const BRAVO: Item = ("b", "Bravo", "Tue, 19 May 2026 06:00:00 +0000");
const CHARLIE: Item = ("c", "Charlie", "Wed, 20 May 2026 06:00:00 +0000");
const DELTA: Item = ("d", "Delta", "Thu, 21 May 2026 12:00:00 +0000");
const ECHO: Item = ("e", "Echo", "Sat, 23 May 2026 12:00:00 +0000");
const FOXTROT: Item = ("f", "Foxtrot", "Mon, 25 May 2026 06:00:00 +0000");

#[test]
fn one_cron_line_serves_a_daily_and_a_weekly_digest() {
    let s = Setup::new(&["/a.xml", "/b.xml"], DAILY_AND_WEEKLY);
    s.serve("/a.xml", &[ALPHA]);
    // Monday 18 May 08:30, the first run: neither was ever delivered, both go out.
    let first = s.run("2026-05-18T08:30:00Z", &[], true);
    assert!(
        stderr(&first).contains("weekly: never delivered, so due now"),
        "{}",
        stderr(&first)
    );
    assert_eq!(
        s.sent(),
        vec![
            mail("daily@example.com", &["Alpha"]),
            mail("team@example.com", &["Alpha"])
        ]
    );
    // 09:30: nothing is due, so nothing is fetched, and -v says what comes next.
    let requests = s.feeds.seen().len();
    let idle = s.run("2026-05-18T09:30:00Z", &[], true);
    assert_eq!(s.feeds.seen().len(), requests, "no HTTP request");
    assert_eq!(s.sent().len(), 2);
    assert!(
        stderr(&idle).contains("nothing is due; next: daily at 2026-05-19 07:00 UTC"),
        "{}",
        stderr(&idle)
    );
    // Tuesday 07:30: the daily only.
    s.serve("/a.xml", &[BRAVO, ALPHA]);
    s.run("2026-05-19T07:30:00Z", &[], true);
    assert_eq!(s.sent()[2..], [mail("daily@example.com", &["Bravo"])]);
    // Wednesday 07:30 the mail server is down; at 08:30 it is back and the daily goes out.
    s.serve("/a.xml", &[CHARLIE, BRAVO, ALPHA]);
    s.run("2026-05-20T07:30:00Z", &[], false);
    s.run("2026-05-20T08:30:00Z", &[], true);
    assert_eq!(s.sent()[3..], [mail("daily@example.com", &["Charlie"])]);
    // Five days off. The next Monday 08:30 sends one daily holding what was missed,
    // and one weekly.
    s.serve("/a.xml", &[FOXTROT, ECHO, DELTA, CHARLIE, BRAVO, ALPHA]);
    s.run("2026-05-25T08:30:00Z", &[], true);
    assert_eq!(
        s.sent()[4..],
        [
            mail("daily@example.com", &["Foxtrot", "Echo", "Delta"]),
            mail(
                "team@example.com",
                &["Foxtrot", "Echo", "Delta", "Charlie", "Bravo"]
            ),
        ]
    );
    // Asked for by name on a Tuesday, the weekly goes out though it is not due.
    s.run("2026-05-26T07:30:00Z", &["weekly"], true);
    assert_eq!(s.sent().len(), 7);
    assert_eq!(s.sent()[6].0, "team@example.com");
    // check shows each digest's last delivery and next slot.
    let check = feedletter()
        .args(["check", "--now", "2026-05-26T09:00:00Z", "-c"])
        .arg(s.config(true))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(
        out.contains("weekly: schedule \"0 8 * * MON\"; last delivered 2026-05-26 07:30 UTC; next slot 2026-06-01 08:00 UTC"),
        "{out}"
    );
    assert!(
        out.contains("daily: schedule \"0 7 * * *\"; last delivered 2026-05-25 08:30 UTC; next slot 2026-05-27 07:00 UTC; due now (slot 2026-05-26 07:00 UTC not sent)"),
        "{out}"
    );
}

#[test]
fn a_digest_with_nothing_new_is_not_due_again_until_its_next_slot() {
    let s = Setup::new(&["/a.xml", "/b.xml"], DAILY_AND_WEEKLY);
    s.serve("/a.xml", &[ALPHA]);
    s.run("2026-05-18T08:30:00Z", &[], true);
    // Tuesday 07:30: nothing new for the daily (send_empty is off), so nothing is sent;
    // later runs must not fetch again for it, nor send what comes next before
    // Wednesday's slot.
    s.run("2026-05-19T07:30:00Z", &[], true);
    assert_eq!(s.sent().len(), 2);
    let requests = s.feeds.seen().len();
    let later: Item = ("l", "Later", "Tue, 19 May 2026 08:00:00 +0000");
    s.serve("/a.xml", &[later, ALPHA]);
    s.run("2026-05-19T08:30:00Z", &[], true);
    assert_eq!(s.feeds.seen().len(), requests);
    s.run("2026-05-20T07:30:00Z", &[], true);
    assert_eq!(s.sent()[2..], [mail("daily@example.com", &["Later"])]);
}

#[test]
fn what_a_feed_published_while_it_failed_goes_out_once_when_it_is_back() {
    let s = Setup::new(
        &["/a.xml", "/b.xml"],
        "  daily:\n    window: 24h\n    schedule: \"0 7 * * *\"\n    to: [daily@example.com]\n",
    );
    let a1: Item = ("a1", "A one", "Mon, 18 May 2026 05:00:00 +0000");
    let b1: Item = ("b1", "B one", "Mon, 18 May 2026 05:00:00 +0000");
    let a2: Item = ("a2", "A two", "Tue, 19 May 2026 05:00:00 +0000");
    // Published on day 2 while B's server was failing: on day 3 it is older than the
    // 24h window, which starts at day 2's delivery.
    let b2: Item = ("b2", "B two", "Tue, 19 May 2026 06:00:00 +0000");
    let a3: Item = ("a3", "A three", "Wed, 20 May 2026 05:00:00 +0000");
    s.serve("/a.xml", &[a1]);
    s.serve("/b.xml", &[b1]);
    s.run("2026-05-18T07:00:00Z", &[], true);
    s.serve("/a.xml", &[a2, a1]);
    s.feeds.set("/b.xml", Route::status(500));
    s.run("2026-05-19T07:00:00Z", &[], true);
    s.serve("/a.xml", &[a3, a2, a1]);
    s.serve("/b.xml", &[b2, b1]);
    s.run("2026-05-20T07:00:00Z", &[], true);
    s.run("2026-05-21T07:00:00Z", &[], true);
    assert_eq!(
        s.sent(),
        vec![
            mail("daily@example.com", &["A one", "B one"]),
            mail("daily@example.com", &["A two"]),
            mail("daily@example.com", &["A three", "B two"]),
        ]
    );
}

#[test]
fn a_feed_added_today_starts_at_the_window() {
    let s = Setup::new(
        &["/a.xml", "/b.xml"],
        "  daily:\n    window: 24h\n    to: [daily@example.com]\n",
    );
    let old: Item = ("b0", "B old", "Sat, 16 May 2026 05:00:00 +0000");
    let a1: Item = ("a1", "A one", "Mon, 18 May 2026 05:00:00 +0000");
    let a2: Item = ("a2", "A two", "Tue, 19 May 2026 05:00:00 +0000");
    s.serve("/a.xml", &[a1]);
    s.feeds.set("/b.xml", Route::status(404));
    s.run("2026-05-18T07:00:00Z", &[], true);
    // B was never read before: its two-day-old item is outside the window.
    s.serve("/a.xml", &[a2, a1]);
    s.serve("/b.xml", &[old]);
    s.run("2026-05-19T07:00:00Z", &[], true);
    assert_eq!(s.sent()[1..], [mail("daily@example.com", &["A two"])]);
}

#[test]
fn explain_shows_the_next_slot_in_the_digests_zone() {
    let dir = tempfile::tempdir().unwrap();
    let feed = support::repo_root().join("examples/feeds/dev-community.rss");
    let config = write_config(
        dir.path(),
        &format!(
            "state: state.db\nfeeds:\n  - path: {}\ndigests:\n  weekly:\n    schedule: \"0 8 * * MON\"\n    timezone: Europe/Paris\n    to: [team@example.com]\n",
            feed.display()
        ),
    );
    let out = feedletter()
        .args(["explain", "weekly", "--now", "2026-05-19T10:00:00Z", "-c"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("weekly: schedule \"0 8 * * MON\"; never delivered; next slot 2026-05-25 08:00 Europe/Paris; due now (the first run sends the first issue)"),
        "{stdout}"
    );
}

#[test]
fn check_refuses_a_misspelt_weekday_as_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "feeds:\n  - url: https://example.com/feed.xml\ndigests:\n  weekly:\n    schedule: \"0 8 * * MNO\"\n    to: [team@example.com]\n",
    );
    let out = feedletter()
        .args(["check", "-c"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:5:15: digests.weekly.schedule: `0 8 * * MNO` is not a cron expression: 'MNO' is not a number or a name such as MON or JAN",
            config.display()
        )),
        "{err}"
    );
}

#[test]
fn a_preview_of_several_digests_names_each_and_claims_nothing_was_sent() {
    let dir = tempfile::tempdir().unwrap();
    let feed = support::repo_root().join("examples/feeds/dev-community.rss");
    let config = write_config(
        dir.path(),
        &format!(
            "state: state.db\nfeeds:\n  - path: {}\ndigests:\n  daily:\n    window: 30d\n    subject: Daily\n    to: [me@example.com]\n  weekly:\n    window: 30d\n    subject: Weekly\n    to: [team@example.com]\n",
            feed.display()
        ),
    );
    for (format, banner) in [
        ("text", "====\ndigest weekly: Weekly\n===="),
        (
            "html",
            "<hr><p style=\"font:bold 18px sans-serif;margin:24px 8px\">digest weekly: Weekly</p>",
        ),
    ] {
        let (stdout, _) = support::preview(&config, "daily", format, "2026-05-14T07:00:00Z");
        assert!(
            !stdout.contains("digest daily: Daily"),
            "one digest is shown as sent"
        );
        let out = feedletter()
            .args([
                "run",
                &format!("--dry-run={format}"),
                "--now",
                "2026-05-14T07:00:00Z",
                "-c",
            ])
            .arg(&config)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(banner), "{stdout}");
        let daily = stdout.find("digest daily: Daily").expect("daily's banner");
        assert!(stdout[daily..].contains("digest weekly: Weekly"));
        assert!(!stdout.contains("Sent by"), "{stdout}");
    }
}

/// Ninety days of a daily digest: three feeds that each keep their last three days of
/// items, one of them down one day in eleven, the mail server down one day in ten.
/// Every item goes out, once.
#[test]
fn ninety_days_of_outages_lose_nothing_and_repeat_nothing() {
    use chrono::{Duration, TimeZone, Utc};
    let paths = ["/a.xml", "/b.xml", "/c.xml"];
    let s = Setup::new(
        &paths,
        "  daily:\n    window: 24h\n    schedule: \"0 7 * * *\"\n    to: [daily@example.com]\n",
    );
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    for day in 1..=91_i64 {
        let now = start + Duration::days(day) + Duration::hours(7);
        for (f, path) in paths.iter().enumerate() {
            if f == 1 && day % 11 == 5 {
                s.feeds.set(path, Route::status(503));
                continue;
            }
            // Three items a day, at 01:00, 09:00 and 17:00, as (guid, title, date).
            let mut items = Vec::new();
            for d in (day - 3).max(0)..=day {
                for hour in [1, 9, 17] {
                    let at = start + Duration::days(d) + Duration::hours(hour);
                    if at < now {
                        let title = format!("F{f} day {d} {hour}h");
                        items.push((title.clone(), title, at.to_rfc2822()));
                    }
                }
            }
            let refs: Vec<(&str, &str, &str)> = items
                .iter()
                .map(|(g, t, d)| (g.as_str(), t.as_str(), d.as_str()))
                .collect();
            s.feeds
                .set(path, Route::ok("application/rss+xml", rss(&refs)));
        }
        s.run(&now.to_rfc3339(), &[], day % 10 != 3);
    }
    let sent: Vec<String> = s.sent().into_iter().flat_map(|(_, t)| t).collect();
    let unique: std::collections::HashSet<&String> = sent.iter().collect();
    assert_eq!(unique.len(), sent.len(), "nothing twice");
    // Everything published before the last run (days 0 to 90, and day 91's first item)
    // but day 0's first item, older than the first run's window.
    assert_eq!(sent.len(), 3 * (91 * 3 + 1 - 1), "nothing lost");
}

/// 02:30 comes twice in Paris on the night clocks go back: the digest goes out once.
#[test]
fn a_slot_in_the_hour_clocks_go_back_is_served_once() {
    let s = Setup::new(
        &["/a.xml"],
        "  night:\n    schedule: \"30 2 * * *\"\n    timezone: Europe/Paris\n    send_empty: true\n    to: [night@example.com]\n",
    );
    s.run("2026-10-24T23:00:00Z", &[], true);
    // 02:45 summer time, then 02:45 winter time an hour later, then the next night.
    for (now, sent) in [
        ("2026-10-25T00:45:00Z", 2),
        ("2026-10-25T01:45:00Z", 2),
        ("2026-10-26T01:45:00Z", 3),
    ] {
        s.run(now, &[], true);
        assert_eq!(s.sent().len(), sent, "at {now}");
    }
}
