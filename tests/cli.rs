//! The everyday commands through the real binary: `check` (config, `--fetch`,
//! `--smtp`), `import`, `completions`, and the exit codes. Loopback servers only.

pub mod support;

use std::path::Path;
use std::time::Duration;

use predicates::prelude::PredicateBooleanExt;
use support::bounded;
use support::smtp_server::{Mode, Options, SmtpServer, closed_port};
use support::{FeedServer, Route, feedletter, rss, write_config, write_templates};

const LIMIT: Duration = Duration::from_secs(60);
const USER: &str = "digest@example.com";
const PASSWORD: &str = "correct horse battery staple";

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn check_names_every_problem_with_its_line_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        dir.path(),
        "feeds:
  - url: https://example.com/feed.xml
    colour: red
digests:
  daily:
    window: 3 fortnights
    keywords: { include: [\"(unclosed\"] }
    to: [me@example.com]
  weekly:
    window: 7d
",
    );
    let output = feedletter()
        .arg("check")
        .arg("-c")
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    let expected = [
        "error: ",
        "feeds.yaml:3:5: feeds.colour: unknown field `colour`",
        "feeds.yaml:6:13: digests.daily.window: `3 fortnights` is not a duration",
        "feeds.yaml:7:27: digests.daily.keywords.include: `(unclosed` is not a valid regex",
        "feeds.yaml:10:5: digests.weekly: has no recipients",
    ];
    assert_eq!(lines.len(), 4, "{err}");
    for (line, want) in lines.iter().zip(&expected[1..]) {
        assert!(line.starts_with(expected[0]), "{err}");
        assert!(line.contains(want), "expected {want:?} in {line:?}\n{err}");
    }
}

#[test]
fn check_passes_a_valid_config_and_is_silent_with_q() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        dir.path(),
        "feeds:\n  - url: https://example.com/feed.xml\ndigests:\n  daily:\n    to: [me@example.com]\n",
    );
    let output = check(&path);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // The verdict is check's result: stdout, like its tables; stderr is for problems.
    assert_eq!(
        stdout(&output),
        format!(
            "{}: ok: 1 feed, 1 digest (daily), templates render, no smtp section (previews only)\n",
            path.display()
        )
    );
    assert_eq!(stderr(&output), "");
    feedletter()
        .args(["check", "-q", "-c"])
        .arg(&path)
        .assert()
        .success()
        .stderr("");
}

#[test]
fn check_reports_config_errors_and_every_template_error_in_one_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_templates(
        dir.path(),
        &[
            ("digest.html.j2", "<p>{{ digest }}</p>\n<p>{{ dat }}</p>\n"),
            (
                "digest.txt.j2",
                "{{ digest }}\n\n{{ items | lenght }} items\n",
            ),
        ],
    );
    let path = write_config(
        dir.path(),
        "feeds:
  - url: https://example.com/feed.xml
    colour: red
digests:
  weekly:
    subject: \"{{ dat }} ({{ items|lenght }} items)\"
    to: [me@example.com]
",
    );
    let output = check(&path);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let config = path.display().to_string();
    let templates = dir.path().join("templates");
    let html = templates.join("digest.html.j2").display().to_string();
    let text = templates.join("digest.txt.j2").display().to_string();
    let expected = [
        format!(
            "error: {config}:3:5: feeds.colour: unknown field `colour`, expected one of url, path, name, tags"
        ),
        format!("error: {config}:6:14: digests.weekly.subject: undefined variable `dat`"),
        format!("error: {config}:6:14: digests.weekly.subject: unknown filter `lenght`"),
        format!("error: {html}:2: undefined variable `dat`"),
        format!("error: {text}:3: unknown filter `lenght`"),
    ];
    let err = stderr(&output);
    assert_eq!(err.lines().collect::<Vec<_>>(), expected, "{err}");
    assert_eq!(stdout(&output), "", "no ok line for an invalid config");
}

#[test]
fn a_literal_password_gets_a_pointer_to_password_env_or_password_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        dir.path(),
        "feeds:\n  - path: feed.xml\ndigests:\n  daily:\n    to: [me@example.com]\nsmtp:\n  host: smtp.example.com\n  username: me\n  password: hunter2\n  from: me@example.com\n",
    );
    let output = check(&path);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.starts_with(&format!(
            "error: {}:9:3: smtp.password: a password is never written in the config: give `password_file: FILE`",
            path.display()
        )),
        "{err}"
    );
    assert!(err.contains("`password_env: NAME`"), "{err}");
    assert!(
        !err.contains("hunter2"),
        "the password is not repeated: {err}"
    );
}

#[test]
fn a_bad_duration_says_how_to_write_one_without_listing_units_nobody_uses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        dir.path(),
        "feeds:\n  - path: feed.xml\ndigests:\n  daily:\n    window: 3 fortnights\n    to: [me@example.com]\n",
    );
    feedletter()
        .args(["check", "-c"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(format!(
            "error: {}:5:13: digests.daily.window: `3 fortnights` is not a duration: `fortnights` is not a unit; write e.g. 30s, 10m, 24h, 7d, 2w\n",
            path.display()
        ));
}

#[test]
fn check_reports_a_broken_template_as_an_invalid_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_templates(
        dir.path(),
        &[("digest.html.j2", "{{ items | nosuchfilter }}")],
    );
    let path = write_config(
        dir.path(),
        "feeds:\n  - url: https://example.com/feed.xml\ndigests:\n  daily:\n    to: [me@example.com]\n",
    );
    let output = check(&path);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("digest.html.j2"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_fetch_of_the_offline_example_is_clean() {
    let output = feedletter()
        .current_dir(support::repo_root())
        .args(["check", "--fetch", "-c", "examples/offline.yaml"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.starts_with("examples/offline.yaml: ok: 3 feeds"),
        "{out}"
    );
    let table: String = out.lines().skip(1).map(|l| format!("{l}\n")).collect();
    assert_eq!(table.lines().count(), 4, "header and three feeds: {table}");
    assert_eq!(table.matches("  ok  ").count(), 3, "{table}");
}

#[test]
fn check_warns_about_a_missing_password_file_without_failing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        dir.path(),
        "feeds:\n  - path: feed.xml\ndigests:\n  daily:\n    to: [me@example.com]\nsmtp:\n  host: smtp.example.com\n  username: me\n  password_file: nowhere.txt\n  from: me@example.com\n",
    );
    feedletter()
        .args(["check", "-c"])
        .arg(&path)
        .assert()
        .success()
        .stderr(predicates::str::contains("warning: smtp.password_file: "));
}

#[test]
fn check_refuses_an_empty_or_unreadable_password_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("empty.txt"), "").expect("write");
    std::fs::create_dir(dir.path().join("folder")).expect("mkdir");
    let folder = dir.path().join("folder").display().to_string();
    let env = "password_env: FEEDLETTER_SMTP_PASSWORD";
    let cases = [
        (env, Some(""), "error: the SMTP password from variable FEEDLETTER_SMTP_PASSWORD is empty".to_string()),
        ("password_file: empty.txt", None, "is empty".to_string()),
        ("password_file: /dev/zero", None, "error: cannot read the SMTP password file /dev/zero (smtp.password_file): not a regular file".to_string()),
        ("password_file: folder", None, format!("error: cannot read the SMTP password file {folder} (smtp.password_file): not a regular file")),
    ];
    for (source, value, message) in cases {
        let path = write_config(
            dir.path(),
            &format!(
                "feeds:\n  - path: feed.xml\ndigests:\n  daily:\n    to: [me@example.com]\nsmtp:\n  host: smtp.example.com\n  username: me\n  {source}\n  from: me@example.com\n"
            ),
        );
        let mut command = feedletter();
        if let Some(value) = value {
            command.env("FEEDLETTER_SMTP_PASSWORD", value);
        }
        let output = command
            .args(["check", "-c"])
            .arg(&path)
            .output()
            .expect("runs");
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{source}: {err}");
        assert!(err.contains(&message), "{source}: {err}");
        assert!(!err.contains("does not exist"), "{source}: {err}");
        assert_eq!(stdout(&output), "", "no ok line: {source}");
    }
    // Unset in this shell says nothing: cron's environment is not this one.
    let path = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - path: feed.xml\ndigests:\n  daily:\n    to: [me@example.com]\nsmtp:\n  host: smtp.example.com\n  username: me\n  {env}\n  from: me@example.com\n"
        ),
    );
    feedletter()
        .args(["check", "-c"])
        .arg(&path)
        .assert()
        .success()
        .stderr("");
}

const OPML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="Rust &amp; Systems" title="Rust &amp; Systems">
      <outline type="rss" text="Rust Blog" title="Rust Blog: &quot;official&quot;"
               xmlUrl="https://blog.rust-lang.org/feed.xml" htmlUrl="https://blog.rust-lang.org/"/>
      <outline type="rss" text="yes" xmlUrl="https://notes.example.org/atom.xml"/>
      <outline type="rss" text="Old FTP" xmlUrl="ftp://files.example.org/feed.xml"/>
    </outline>
  </body>
</opml>
"#;

#[test]
fn imported_opml_is_yaml_that_check_accepts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opml = dir.path().join("subscriptions.opml");
    std::fs::write(&opml, OPML).expect("opml");
    let output = feedletter()
        .arg("import")
        .arg(&opml)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output)
            .contains("skipping Old FTP: `ftp://files.example.org/feed.xml` is not an http(s) URL"),
        "{}",
        stderr(&output)
    );
    let yaml = stdout(&output);
    // Titles that would be misread as plain YAML (a colon, quotes, `yes`) are quoted.
    assert!(
        yaml.contains(r#"name: "Rust Blog: \"official\"""#),
        "{yaml}"
    );
    assert!(yaml.contains(r#"name: "yes""#), "{yaml}");

    let path = write_config(
        dir.path(),
        &format!("{yaml}digests:\n  daily:\n    to: [me@example.com]\n"),
    );
    feedletter()
        .args(["check", "-c"])
        .arg(&path)
        .assert()
        .success();
    let config = feedletter::config::load(&path).expect("valid");
    assert_eq!(config.feeds.len(), 2);
    for feed in &config.feeds {
        assert_eq!(feed.tags, ["rust & systems"], "the folder is the tag");
    }
    assert_eq!(
        config.feeds[0].name.as_deref(),
        Some("Rust Blog: \"official\"")
    );
}

#[test]
fn import_of_a_missing_or_invalid_file_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    feedletter()
        .arg("import")
        .arg(dir.path().join("missing.opml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read"));
    let bad = dir.path().join("bad.opml");
    std::fs::write(&bad, "<html>not opml</html>").expect("write");
    feedletter()
        .arg("import")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a usable OPML file"));
}

#[test]
fn check_fetch_prints_a_table_and_exits_1_when_a_feed_fails() {
    bounded(LIMIT, || {
        let items = [
            ("a", "First", "Tue, 12 May 2026 08:00:00 GMT"),
            ("b", "Second", "Wed, 13 May 2026 09:30:00 GMT"),
        ];
        let server = FeedServer::start(vec![
            ("/ok.xml", Route::ok("application/rss+xml", rss(&items))),
            ("/gone.xml", Route::status(404)),
        ]);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write_config(
            dir.path(),
            &format!(
                "feeds:\n  - url: {}\n    name: Good Feed\n  - url: {}\n    name: Gone Feed\ndigests:\n  daily:\n    to: [me@example.com]\n",
                server.url("/ok.xml"),
                server.url("/gone.xml")
            ),
        );
        let output = feedletter()
            .args(["check", "--fetch", "-c"])
            .arg(&path)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let table = stdout(&output);
        // The verdict on the config first, then the table.
        let lines: Vec<&str> = table.lines().skip(1).collect();
        assert_eq!(lines.len(), 3, "{table}");
        for column in ["FEED", "STATUS", "ITEMS", "NEWEST", "TIME", "ERROR"] {
            assert!(lines[0].contains(column), "{table}");
        }
        let good: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(
            &good[..6],
            ["Good", "Feed", "ok", "2", "2026-05-13", "09:30"]
        );
        assert!(good[6].ends_with('s'), "time taken: {table}");
        assert!(lines[2].starts_with("Gone Feed"), "{table}");
        assert!(lines[2].contains("FAILED"), "{table}");
        assert!(lines[2].ends_with("HTTP 404 Not Found"), "{table}");
        assert!(stderr(&output).contains("1 of 2 feeds failed"));
        // Probing reads nothing from the state and writes none.
        assert!(!dir.path().join("feedletter.db").exists());
    });
}

fn smtp_config(dir: &Path, port: u16, password: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("password.txt"), format!("{password}\n")).expect("password");
    write_config(
        dir,
        &format!(
            "feeds:\n  - path: feed.xml\ndigests:\n  daily:\n    to: [me@example.com]\nsmtp:\n  host: 127.0.0.1\n  port: {port}\n  security: starttls\n  username: {USER}\n  password_file: password.txt\n  from: \"Feedletter <{USER}>\"\n  timeout: 10s\n  ca_file: ca.pem\n"
        ),
    )
}

#[test]
fn check_smtp_logs_in_over_tls_and_sends_nothing() {
    bounded(LIMIT, || {
        let server = SmtpServer::start(Options::new(Mode::StartTls).with_login(USER, PASSWORD));
        let dir = tempfile::tempdir().expect("tempdir");
        server.write_ca_file(dir.path());
        let path = smtp_config(dir.path(), server.port(), PASSWORD);
        let output = feedletter()
            .args(["check", "--smtp", "-c"])
            .arg(&path)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let out = stdout(&output);
        assert!(
            out.contains(&format!(
                "smtp: 127.0.0.1:{} (starttls): ok, logged in as {USER}",
                server.port()
            )),
            "{out}"
        );
        let log = server.log();
        assert!(
            log.auth.iter().all(|a| a.tls && a.accepted),
            "{:?}",
            log.auth
        );
        assert_eq!(log.auth.len(), 1);
        assert!(log.messages.is_empty(), "a probe sends nothing");
        assert!(!log.verbs().contains(&"MAIL".to_string()));
    });
}

#[test]
fn check_smtp_exits_1_when_the_server_refuses_the_login_or_is_down() {
    bounded(LIMIT, || {
        let server = SmtpServer::start(Options::new(Mode::StartTls).with_login(USER, PASSWORD));
        let dir = tempfile::tempdir().expect("tempdir");
        server.write_ca_file(dir.path());
        let path = smtp_config(dir.path(), server.port(), "wrong password");
        let output = feedletter()
            .args(["check", "--smtp", "-c"])
            .arg(&path)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(1));
        let err = stderr(&output);
        assert!(
            err.lines()
                .any(|l| l.starts_with("error: smtp: 127.0.0.1:")),
            "{err}"
        );
        assert!(
            !stderr(&output).contains("wrong password"),
            "no secrets in logs"
        );

        let path = smtp_config(dir.path(), closed_port(), PASSWORD);
        feedletter()
            .args(["check", "--smtp", "-c"])
            .arg(&path)
            .assert()
            .code(1);
    });
}

#[test]
fn completions_for_bash_are_a_script() {
    let output = feedletter()
        .args(["completions", "bash"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let script = stdout(&output);
    assert!(script.contains("_feedletter()"), "{script}");
    assert!(script.contains("check") && script.contains("import"));
    for shell in ["zsh", "fish"] {
        feedletter()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicates::str::is_empty().not());
    }
}

#[test]
fn usage_errors_exit_2() {
    feedletter()
        .args(["run", "--no-such-flag"])
        .assert()
        .code(2);
    feedletter().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn a_held_lock_exits_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - path: feed.xml\ndigests:\n  daily:\n    to: [me@example.com]\nsmtp:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  from: {USER}\n",
            closed_port()
        ),
    );
    let lock = std::fs::File::create(dir.path().join("feedletter.db.lock")).expect("lock file");
    lock.lock().expect("take the lock");
    feedletter()
        .args(["run", "-c"])
        .arg(&path)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("another feedletter run"));
}

#[test]
fn a_template_that_renders_is_not_faulted_for_a_variable_it_tests_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_templates(
        dir.path(),
        &[(
            "digest.txt.j2",
            "{{ digest }}\n{% if banner is defined %}{{ banner }}{% endif %}\n",
        )],
    );
    let path = write_config(
        dir.path(),
        "feeds:\n  - url: https://example.com/feed.xml\ndigests:\n  daily:\n    to: [me@example.com]\n",
    );
    feedletter()
        .args(["check", "-c"])
        .arg(&path)
        .assert()
        .success()
        .stderr("");
}

#[test]
fn one_imported_feed_is_counted_in_the_singular() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opml = dir.path().join("one.opml");
    std::fs::write(
        &opml,
        r#"<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="A" xmlUrl="https://a.example.com/feed.xml"/></body></opml>"#,
    )
    .expect("opml");
    let output = feedletter()
        .arg("import")
        .arg(&opml)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let yaml = stdout(&output);
    assert_eq!(
        yaml.lines().next(),
        Some("# 1 feed imported from one.opml"),
        "{yaml}"
    );
}

#[test]
fn check_names_where_a_missing_template_file_was_looked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        dir.path(),
        "feeds:\n  - url: https://example.com/feed.xml\ndigests:\n  daily:\n    template: weekly\n    to: [me@example.com]\n",
    );
    let output = check(&path);
    assert_eq!(output.status.code(), Some(2));
    let templates = dir.path().join("templates");
    let expected: Vec<String> = ["weekly.html.j2", "weekly.txt.j2"]
        .iter()
        .map(|name| {
            format!(
                "error: {}: no such file, and no built-in template of that name",
                templates.join(name).display()
            )
        })
        .collect();
    let err = stderr(&output);
    assert_eq!(err.lines().collect::<Vec<_>>(), expected, "{err}");
}

/// `feedletter check -c path`, run to the end.
fn check(path: &std::path::Path) -> std::process::Output {
    feedletter()
        .args(["check", "-c"])
        .arg(path)
        .output()
        .expect("runs")
}
