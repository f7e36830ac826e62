//! Nothing owed is lost and nothing cut comes back: real runs moved through time with
//! `--now`, feeds over loopback HTTP, digests to a loopback SMTP server (or to a closed
//! port while "the server is down"), the state a real SQLite file.

pub mod support;

use std::path::PathBuf;
use std::process::Output;

use support::smtp_server::{Mode, Options, SmtpServer};
use support::{FeedServer, Route, feedletter, rss, write_config};

struct Setup {
    dir: tempfile::TempDir,
    feeds: FeedServer,
    smtp: SmtpServer,
    /// Keys added to the digest, e.g. `max_items: 2`.
    digest: String,
}

fn setup(feed: Vec<u8>, digest: &str) -> Setup {
    Setup {
        dir: tempfile::tempdir().unwrap(),
        feeds: FeedServer::start(vec![("/feed.xml", Route::ok("application/rss+xml", feed))]),
        smtp: SmtpServer::start(Options::new(Mode::Plain)),
        digest: digest.to_string(),
    }
}

impl Setup {
    /// Serves `feed` from now on.
    fn serve(&self, feed: Vec<u8>) {
        self.feeds
            .set("/feed.xml", Route::ok("application/rss+xml", feed));
    }

    /// The config, with the mail server up or down.
    fn config(&self, server_up: bool) -> PathBuf {
        let port = if server_up {
            self.smtp.port()
        } else {
            support::closed_port()
        };
        write_config(
            self.dir.path(),
            &format!(
                "state: state.db\nfetch: {{ timeout: 5s, retries: 0 }}\nfeeds:\n  - url: {}\ndigests:\n  team:\n    to: [team@example.com]\n{}smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n  from: \"Feedletter <digest@example.com>\"\n  timeout: 2s\n",
                self.feeds.url("/feed.xml"),
                self.digest
            ),
        )
    }

    /// Runs at `now` with the server up or down; asserts the exit status.
    fn run(&self, now: &str, server_up: bool) -> Output {
        let out = feedletter()
            .args(["run", "--now", now, "-c"])
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

    /// Item titles of every message received, in order.
    fn sent_titles(&self) -> Vec<Vec<String>> {
        self.smtp
            .messages()
            .iter()
            .map(|m| titles(&m.data))
            .collect()
    }

    fn text_of_message(&self, n: usize) -> String {
        text(&self.smtp.messages()[n].data)
    }
}

fn text(data: &[u8]) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(data)
        .expect("parsable message");
    parsed.body_text(0).expect("text part").into_owned()
}

/// The titles of the items in a digest's text part (`* Title` lines), in order.
fn titles(data: &[u8]) -> Vec<String> {
    text(data)
        .lines()
        .filter_map(|l| l.strip_prefix("* "))
        .map(str::to_string)
        .collect()
}

fn names(titles: &[&str]) -> Vec<String> {
    titles.iter().map(|t| t.to_string()).collect()
}

fn item(
    guid: &'static str,
    title: &'static str,
    date: &'static str,
) -> (&'static str, &'static str, &'static str) {
    (guid, title, date)
}

const ZULU: (&str, &str, &str) = ("z", "Zulu", "Wed, 13 May 2026 12:00:00 +0000");

#[test]
fn items_owed_by_a_run_the_server_missed_go_out_the_next_day() {
    let s = setup(rss(&[ZULU]), "    window: 24h\n");
    s.run("2026-05-14T07:00:00Z", true);
    s.serve(rss(&[
        item("b", "Bravo", "Thu, 14 May 2026 20:00:00 +0000"),
        item("a", "Alpha", "Thu, 14 May 2026 10:00:00 +0000"),
        ZULU,
    ]));
    // The 07:00 run finds the mail server down: Alpha and Bravo are owed.
    s.run("2026-05-15T07:00:00Z", false);
    s.serve(rss(&[
        item("c", "Charlie", "Fri, 15 May 2026 12:00:00 +0000"),
        item("b", "Bravo", "Thu, 14 May 2026 20:00:00 +0000"),
        item("a", "Alpha", "Thu, 14 May 2026 10:00:00 +0000"),
        ZULU,
    ]));
    // A day later Alpha (45 h old) and Bravo (35 h) are outside the 24 h window, but
    // the window starts at the last delivery.
    s.run("2026-05-16T07:00:00Z", true);
    assert_eq!(
        s.sent_titles(),
        vec![names(&["Zulu"]), names(&["Charlie", "Bravo", "Alpha"])]
    );
    // Once delivered, they are owed no more.
    s.run("2026-05-17T07:00:00Z", true);
    assert_eq!(s.sent_titles().len(), 2);
}

#[test]
fn owed_items_that_left_their_feed_outlive_the_state_pruning() {
    let s = setup(
        rss(&[item("z", "Zulu", "Thu, 14 May 2026 06:30:00 +0000")]),
        "    window: 1h\n    catch_up: 60d\n",
    );
    s.run("2026-05-14T07:00:00Z", true);
    s.serve(rss(&[item(
        "a",
        "Alpha",
        "Thu, 14 May 2026 07:10:00 +0000",
    )]));
    s.run("2026-05-14T07:30:00Z", false);
    // Forty days on, Alpha has left the feed and the server is still down. Pruning
    // after this run keeps what the digest can still reach (1h + 60d), not 1h + 30 days.
    s.serve(rss(&[item(
        "y",
        "Yankee",
        "Tue, 23 Jun 2026 06:50:00 +0000",
    )]));
    s.run("2026-06-23T07:00:00Z", false);
    s.run("2026-06-23T07:30:00Z", true);
    assert_eq!(
        s.sent_titles(),
        vec![names(&["Zulu"]), names(&["Yankee", "Alpha"])]
    );
}

#[test]
fn a_digest_back_from_a_long_silence_reaches_back_only_catch_up() {
    let s = setup(rss(&[ZULU]), "    window: 1d\n    catch_up: 3d\n");
    s.run("2026-05-14T07:00:00Z", true);
    s.serve(rss(&[
        item("q", "Quebec", "Tue, 19 May 2026 12:00:00 +0000"),
        item("o", "Oscar", "Sun, 17 May 2026 12:00:00 +0000"),
        item("p", "Papa", "Fri, 15 May 2026 12:00:00 +0000"),
        ZULU,
    ]));
    // Six days since the last delivery: the window starts 1d + 3d back (16 May,
    // 07:00), not at the delivery. Oscar is owed; Papa is too old to be.
    s.run("2026-05-20T07:00:00Z", true);
    assert_eq!(
        s.sent_titles(),
        vec![names(&["Zulu"]), names(&["Quebec", "Oscar"])]
    );
}

fn five_items() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        item("a", "Alpha", "Thu, 14 May 2026 06:00:00 +0000"),
        item("b", "Bravo", "Thu, 14 May 2026 05:00:00 +0000"),
        item("c", "Charlie", "Thu, 14 May 2026 04:00:00 +0000"),
        item("d", "Delta", "Thu, 14 May 2026 03:00:00 +0000"),
        item("e", "Echo", "Thu, 14 May 2026 02:00:00 +0000"),
    ]
}

fn with_foxtrot() -> Vec<u8> {
    let mut items = vec![item("f", "Foxtrot", "Thu, 14 May 2026 08:00:00 +0000")];
    items.extend(five_items());
    rss(&items)
}

#[test]
fn items_counted_in_n_more_are_not_offered_again() {
    let s = setup(rss(&five_items()), "    window: 1d\n    max_items: 2\n");
    s.run("2026-05-14T07:00:00Z", true);
    assert!(
        s.text_of_message(0).contains("3 more items not shown"),
        "{}",
        s.text_of_message(0)
    );
    s.serve(with_foxtrot());
    s.run("2026-05-14T09:00:00Z", true);
    s.run("2026-05-14T10:00:00Z", true);
    assert_eq!(
        s.sent_titles(),
        vec![names(&["Alpha", "Bravo"]), names(&["Foxtrot"])],
        "the cut items stay cut, and a third run has nothing to send"
    );
    assert!(!s.text_of_message(1).contains("more item"));
}

#[test]
fn overflow_carry_sends_the_cut_items_later_even_past_the_window() {
    let s = setup(
        rss(&five_items()),
        "    window: 1d\n    max_items: 2\n    overflow: carry\n",
    );
    s.run("2026-05-14T07:00:00Z", true);
    s.serve(with_foxtrot());
    s.run("2026-05-14T09:00:00Z", true);
    // Delta and Echo are two days old by now, well outside the 1d window: they are
    // still owed because the digest carried them.
    s.run("2026-05-16T09:00:00Z", true);
    s.run("2026-05-17T09:00:00Z", true);
    assert_eq!(
        s.sent_titles(),
        vec![
            names(&["Alpha", "Bravo"]),
            names(&["Foxtrot", "Charlie"]),
            names(&["Delta", "Echo"]),
        ]
    );
    assert!(
        s.text_of_message(1).contains("2 more items not shown"),
        "{}",
        s.text_of_message(1)
    );
}
