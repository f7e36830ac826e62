//! feeds.yaml errors name the file, line, column and key, and every problem is listed.

pub mod support;

use std::path::Path;

use feedletter::config::{self, ConfigError};
use support::{feedletter, write_config};

fn problems(yaml: &str) -> String {
    match config::parse(Path::new("feeds.yaml"), yaml) {
        Ok(_) => panic!("config should be rejected:\n{yaml}"),
        Err(e @ ConfigError::Invalid { .. }) => e.to_string(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

const FEED: &str = "feeds:\n  - url: https://example.com/feed.xml\n";

#[test]
fn unknown_key_names_line_column_and_key() {
    let msg = problems(&format!(
        "{FEED}digests:\n  daily:\n    to: [a@example.com]\n    windw: 24h\n"
    ));
    assert!(
        msg.starts_with("feeds.yaml:6:5: digests.daily.windw: unknown field `windw`"),
        "{msg}"
    );
}

#[test]
fn wrong_type_names_the_key() {
    let msg = problems(&format!(
        "{FEED}digests:\n  daily:\n    to: [a@example.com]\n    max_items: lots\n"
    ));
    assert!(
        msg.starts_with("feeds.yaml:6:16: digests.daily.max_items:"),
        "{msg}"
    );
}

#[test]
fn yes_is_not_a_boolean() {
    let msg = problems(&format!(
        "{FEED}digests:\n  daily:\n    to: [a@example.com]\n    send_empty: yes\n"
    ));
    assert!(
        msg.contains("feeds.yaml:6:17: digests.daily.send_empty:"),
        "{msg}"
    );
}

#[test]
fn malformed_yaml_names_the_position() {
    let msg = problems("feeds: [\n  - url: x\n");
    assert!(msg.starts_with("feeds.yaml:"), "{msg}");
    assert!(
        msg.split(':')
            .nth(1)
            .is_some_and(|l| l.parse::<u32>().is_ok()),
        "{msg}"
    );
}

#[test]
fn validation_lists_every_problem_with_its_position() {
    let msg = problems(&format!(
        "{FEED}digests:\n  daily:\n    window: 0s\n    keywords: {{ include: ['(unclosed'] }}\n    to: [a@example.com]\n  weekly:\n    window: 7 fortnights\n"
    ));
    let lines: Vec<&str> = msg.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("feeds.yaml:5:13: digests.daily.window: must be longer than zero")),
        "{msg}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "feeds.yaml:6:27: digests.daily.keywords.include: `(unclosed` is not a valid regex"
        )),
        "{msg}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "feeds.yaml:9:13: digests.weekly.window: `7 fortnights` is not a duration"
        )),
        "{msg}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("feeds.yaml:9:5: digests.weekly: has no recipients")),
        "{msg}"
    );
    assert_eq!(lines.len(), 4, "{msg}");
}

#[test]
fn empty_feed_list_is_an_error() {
    let msg = problems("feeds: []\ndigests:\n  d:\n    to: [a@example.com]\n");
    assert!(
        msg.contains("feeds.yaml:1:8: feeds: the feed list is empty"),
        "{msg}"
    );
}

#[test]
fn a_feed_needs_a_url_or_path_and_urls_must_be_http() {
    let msg = problems(
        "feeds:\n  - name: x\n  - url: ftp://example.com/f\ndigests:\n  d:\n    to: [a@example.com]\n",
    );
    assert!(msg.contains("feeds[0]: each feed needs a `url`"), "{msg}");
    assert!(
        msg.contains("feeds.yaml:3:10: feeds[1].url: `ftp://example.com/f` is not an http(s) URL"),
        "{msg}"
    );
}

#[test]
fn plain_smtp_to_a_remote_host_is_refused() {
    let msg = problems(&format!(
        "{FEED}digests:\n  d:\n    to: [a@example.com]\nsmtp:\n  host: mail.example.com\n  security: none\n  from: a@example.com\n"
    ));
    assert!(
        msg.contains("smtp.security: `none` sends mail unencrypted"),
        "{msg}"
    );
}

#[test]
fn defaults_apply() {
    let config = config::parse(
        Path::new("dir/feeds.yaml"),
        &format!(
            "{FEED}digests:\n  daily:\n    to: [a@example.com]\nfetch:\n  max_bytes: 512KiB\n"
        ),
    )
    .expect("valid");
    let d = &config.digests[0];
    assert_eq!(d.window, std::time::Duration::from_secs(86400));
    assert_eq!(d.max_items, 50);
    assert_eq!(d.template, "digest");
    assert_eq!(config.fetch.max_bytes, 512 * 1024);
    assert_eq!(config.fetch.concurrency, 32);
    assert_eq!(config.state, Path::new("dir/feedletter.db"));
}

#[test]
fn max_bytes_reads_a_size_as_yaml_or_a_person_writes_it() {
    let read = |value: &str| {
        let yaml = format!(
            "{FEED}digests:\n  d:\n    to: [a@example.com]\nfetch:\n  max_bytes: {value}\n"
        );
        config::parse(Path::new("feeds.yaml"), &yaml).map(|c| c.fetch.max_bytes)
    };
    for (value, bytes) in [
        ("300", 300),
        ("1_000_000", 1_000_000),
        ("+512", 512),
        ("\"10 MB\"", 10_000_000),
        ("1.5GiB", 3 << 29),
        ("1_024KiB", 1 << 20),
    ] {
        assert_eq!(read(value).ok(), Some(bytes), "{value}");
    }
    for (value, why) in [
        ("-5", "cannot be negative"),
        ("0", "more than zero"),
        ("12 parsecs", "`parsecs` is not a size unit"),
        ("lots", "is not a size"),
    ] {
        let msg = read(value).expect_err(value).to_string();
        assert!(
            msg.contains("fetch.max_bytes") && msg.contains(why),
            "{value}: {msg}"
        );
    }
}

#[test]
fn the_binary_exits_2_on_an_invalid_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        "feeds:\n  - url: https://example.com/f\n    colour: red\n",
    );
    feedletter()
        .args(["run", "--dry-run", "-c"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "feeds.yaml:3:5: feeds.colour: unknown field `colour`",
        ));
}

#[test]
fn schema_errors_do_not_hide_each_other_or_semantic_problems() {
    let msg = problems(
        "feeds:\n  - url: https://example.com/f\n    colour: red\n  - url: https://example.com/g\ndigests:\n  daily:\n    window: 1 fortnight\n    max_items: lots\n    keywords: { exclude: ['(unclosed'] }\n  weekly:\n    send_empty: yes\n",
    );
    let lines: Vec<&str> = msg.lines().collect();
    let expected = [
        "feeds.yaml:3:5: feeds.colour: unknown field `colour`",
        "feeds.yaml:7:5: digests.daily: has no recipients",
        "feeds.yaml:7:13: digests.daily.window: `1 fortnight` is not a duration",
        "feeds.yaml:8:16: digests.daily.max_items:",
        "feeds.yaml:9:27: digests.daily.keywords.exclude: `(unclosed` is not a valid regex",
        "feeds.yaml:10:11: digests.weekly: has no recipients",
        "feeds.yaml:11:17: digests.weekly.send_empty:",
    ];
    assert_eq!(lines.len(), expected.len(), "{msg}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.starts_with(want),
            "expected {want:?}, got {line:?}\n{msg}"
        );
    }
}

#[test]
fn a_key_with_the_wrong_type_is_not_also_reported_missing() {
    let msg =
        problems("feeds: https://example.com/feed.xml\ndigests:\n  d:\n    to: [a@example.com]\n");
    assert_eq!(msg.lines().count(), 1, "{msg}");
    assert!(msg.starts_with("feeds.yaml:1:8: feeds: "), "{msg}");
}

#[test]
fn an_absurd_window_is_a_config_error_not_a_crash() {
    let msg = problems(&format!(
        "{FEED}digests:\n  daily:\n    window: 200y\n    to: [a@example.com]\n"
    ));
    assert!(
        msg.contains("feeds.yaml:5:13: digests.daily.window: must be at most 100 years"),
        "{msg}"
    );
}

/// The three mistakes a new user makes first, each reported once, in plain words, on
/// the line where it was made.
#[test]
fn common_mistakes_get_one_plain_error_each_at_their_line() {
    let msg = problems(&format!(
        "{FEED}    tags: team\ndigests:\n  daily:\n    to: [a@example.com]\n"
    ));
    assert_eq!(
        msg,
        "feeds.yaml:3:11: feeds.tags: tags must be a list, e.g. [team]"
    );
    let msg = problems(&format!(
        "{FEED}digests:\n  daily:\n    to: me@example.com\n"
    ));
    assert_eq!(
        msg,
        "feeds.yaml:5:9: digests.daily.to: to must be a list, e.g. [me@example.com]"
    );
    let msg = problems(&format!(
        "{FEED}    tags: [team, rust\n  - url: https://example.com/b.xml\ndigests:\n  daily:\n    to: [a@example.com]\n"
    ));
    assert_eq!(
        msg,
        "feeds.yaml:3:11: feeds.tags: this `[` is never closed: end the list with `]`"
    );
    let msg = problems(&format!(
        "{FEED}    name: \"Rust Blog\n  - url: https://example.com/b.xml\ndigests:\n  daily:\n    to: [a@example.com]\n"
    ));
    assert!(
        msg.starts_with("feeds.yaml:3:11: feeds.name: this `\"` is never closed"),
        "{msg}"
    );
}

#[test]
fn a_schedule_that_never_comes_round_is_refused() {
    let msg = problems(&format!(
        "{FEED}digests:\n  daily:\n    schedule: \"0 8 30 2 *\"\n    to: [a@example.com]\n"
    ));
    assert_eq!(
        msg,
        "feeds.yaml:5:15: digests.daily.schedule: `0 8 30 2 *` never comes round (no date matches it)"
    );
}

#[test]
fn brackets_and_quotes_inside_text_are_not_taken_for_unclosed_ones() {
    let msg = problems(&format!(
        "{FEED}    name: it's [beta\n  - url: https://example.com/b.xml\n    tags: [x, 'it''s', \"y\"]\n  - url: https://example.com/c.xml\n    tags: [x, 'y'\ndigests:\n  daily:\n    to: [a@example.com]\n"
    ));
    assert_eq!(
        msg,
        "feeds.yaml:7:11: feeds.tags: this `[` is never closed: end the list with `]`"
    );
}
