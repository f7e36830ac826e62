//! The README and the pages of docs/ cannot drift from the program: every ```yaml
//! block in them is a config
//! that validates (fragments, marked `# fragment`, once the sections they leave out
//! are added), every key of the schema is documented, and so is every exit code; and
//! every sample of what the program prints is what it prints.

pub mod support;

use std::path::Path;

use feedletter::ExitStatus;
use feedletter::config::{self, ConfigError};
use support::{
    FeedServer, Route, example_feed, feedletter, repo_root, write_config, write_templates,
};

/// `(path, text)` of the README and of every page of docs/.
fn documents() -> Vec<(String, String)> {
    let mut paths = vec![repo_root().join("README.md")];
    let mut pages: Vec<_> = std::fs::read_dir(repo_root().join("docs"))
        .expect("docs/")
        .map(|entry| entry.expect("a docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    paths.extend(pages);
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a readable page");
            let name = path.strip_prefix(repo_root()).unwrap_or(&path);
            (name.display().to_string(), text)
        })
        .collect()
}

/// The README and docs/ as one text, for what may be documented on any page.
fn readme() -> String {
    documents()
        .into_iter()
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `(line of the opening fence, block text)` for each ```yaml block.
fn yaml_blocks(readme: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in readme.lines().enumerate() {
        match &mut current {
            None if line.trim() == "```yaml" => current = Some((i + 1, String::new())),
            None => {}
            Some(_) if line.trim() == "```" => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(current.is_none(), "unclosed ```yaml block");
    blocks
}

/// A fragment plus the required sections it does not have itself.
fn complete(fragment: &str) -> String {
    let has = |section: &str| fragment.lines().any(|l| l.starts_with(section));
    let mut text = fragment.to_string();
    if !has("feeds:") {
        text.push_str("feeds:\n  - url: https://example.com/feed.xml\n");
    }
    if !has("digests:") {
        text.push_str("digests:\n  daily:\n    to: [me@example.com]\n");
    }
    text
}

#[test]
fn every_yaml_block_in_the_readme_is_a_valid_config() {
    let mut blocks = 0;
    let mut fragments = 0;
    for (path, page) in documents() {
        for (line, block) in yaml_blocks(&page) {
            blocks += 1;
            let text = if block.starts_with("# fragment") {
                fragments += 1;
                complete(&block)
            } else {
                block.clone()
            };
            // Anchored at the repository root, where `templates/` exists.
            if let Err(e) = config::parse(&repo_root().join("feeds.yaml"), &text) {
                panic!("the yaml block at {path}:{line} is not a valid config:\n{e}\n{text}");
            }
        }
    }
    assert!(blocks >= 3, "found only {blocks} yaml blocks");
    assert!(fragments < blocks, "at least one block is a whole config");
}

/// The keys one section accepts, as serde lists them when it meets an unknown one.
fn keys_of(section_with_unknown_key: &str) -> Vec<String> {
    let text = complete(section_with_unknown_key);
    let problems = match config::parse(Path::new("feeds.yaml"), &text) {
        Err(ConfigError::Invalid { problems, .. }) => problems,
        other => panic!("expected an unknown-field error, got {other:?}"),
    };
    let message = &problems
        .iter()
        .find(|p| p.message.contains("unknown field"))
        .expect("an unknown-field problem")
        .message;
    let list = message
        .split("expected one of ")
        .nth(1)
        .unwrap_or_else(|| panic!("no key list in {message:?}"));
    list.split(',')
        .map(|k| k.trim().trim_matches('`').to_string())
        .collect()
}

#[test]
fn the_readme_documents_every_config_key() {
    let readme = readme();
    let sections = [
        "zzz_unknown: 1\n",
        "fetch:\n  zzz_unknown: 1\n",
        "feeds:\n  - url: https://example.com/feed.xml\n    zzz_unknown: 1\n",
        "digests:\n  daily:\n    to: [me@example.com]\n    zzz_unknown: 1\n",
        "digests:\n  daily:\n    to: [me@example.com]\n    tags: { zzz_unknown: [] }\n",
        "smtp:\n  zzz_unknown: 1\n",
    ];
    for section in sections {
        let keys = keys_of(section);
        assert!(keys.len() > 1, "{section}: {keys:?}");
        for key in keys {
            assert!(
                readme.contains(&format!("`{key}`")) || readme.contains(&format!("`{key}.")),
                "the documentation does not mention `{key}` (from {section:?})"
            );
        }
    }
}

#[test]
fn the_readme_lists_every_exit_code() {
    let readme = readme();
    for status in [
        ExitStatus::Success,
        ExitStatus::Failure,
        ExitStatus::Usage,
        ExitStatus::Locked,
    ] {
        let row = format!("| {} |", status as u8);
        assert!(readme.contains(&row), "no row for exit code {status:?}");
    }
}

// The sample outputs. Each test below runs the command a sample shows, on inputs made
// to match it, and finds the program's output among the README's fenced blocks. Two
// things are allowed to differ, and the tests say where: the loopback servers'
// addresses stand for the README's hosts, and times taken are masked.

/// The text of every fenced block, without the indentation of its fence (a block
/// inside a list item is indented).
fn fenced_blocks(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for line in readme.lines() {
        let indent = line.len() - line.trim_start().len();
        match &mut current {
            None if line.trim_start().starts_with("```") => {
                current = Some((indent, String::new()));
            }
            None => {}
            Some(_) if line.trim() == "```" => blocks.extend(current.take().map(|(_, t)| t)),
            Some((fence, text)) => {
                text.push_str(line.get(*fence..).unwrap_or_default());
                text.push('\n');
            }
        }
    }
    blocks
}

/// `0.31s` and the like: how long something took, which no two runs agree on.
fn mask_times(text: &str) -> String {
    let times = regex::Regex::new(r"\b\d+\.\d\ds\b").expect("regex");
    times.replace_all(text, "#.##s").into_owned()
}

/// Asserts that some fenced block of the README is `output`, times masked.
fn assert_sample(output: &str, what: &str) {
    let readme = readme();
    let want = mask_times(output);
    let found = fenced_blocks(&readme)
        .iter()
        .any(|block| mask_times(block) == want);
    assert!(
        found,
        "the documentation has no sample of {what}; the program prints:\n{output}"
    );
}

/// Asserts that some fenced block of the README is the table `output`, compared cell
/// by cell: the program pads columns to the loopback addresses, the README to its hosts.
fn assert_sample_table(output: &str, what: &str) {
    let cells = |text: &str| -> Vec<Vec<String>> {
        mask_times(text)
            .lines()
            .map(|l| l.split_whitespace().map(str::to_string).collect())
            .collect()
    };
    let want = cells(output);
    let found = fenced_blocks(&readme())
        .iter()
        .any(|block| cells(block) == want);
    assert!(
        found,
        "the documentation has no sample of {what}; the program prints:\n{output}"
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

#[test]
fn readme_sample_of_a_dry_run_summary() {
    let output = feedletter()
        .current_dir(repo_root())
        .args(["run", "-c", "examples/offline.yaml", "--dry-run=text"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert_sample(&text(&output.stderr), "the dry-run summary");
}

const CHECKED: &str = "\
feeds:
  - url: https://blog.rust-lang.org/feed.xml
    name: Rust Blog
    tags: [rust]
  - url: https://this-week-in-rust.org/atom.xml
    tags: [rust]
  - url: https://simonwillison.net/atom/everything/
    tags: [ai]
  - url: https://old.example.com/rss
    name: Old Blog
digests:
  daily:
    to: [me@example.com]
  weekly-team:
    window: 7d
    to: [me@example.com]
smtp:
  host: smtp.example.com
  username: digest@example.com
  password_env: FEEDLETTER_SMTP_PASSWORD
  from: \"Feedletter <digest@example.com>\"
";

#[test]
fn readme_sample_of_a_clean_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), CHECKED);
    let output = feedletter()
        .current_dir(dir.path())
        .arg("check")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "");
    assert_sample(
        &format!("$ feedletter check\n{}", text(&output.stdout)),
        "a clean check",
    );
}

#[test]
fn readme_sample_of_config_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
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
        .current_dir(dir.path())
        .arg("check")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert_sample(&text(&output.stderr), "config errors");
}

#[test]
fn readme_sample_of_template_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_templates(
        dir.path(),
        &[
            (
                "digest.html.j2",
                "<h1>{{ digest }}</h1>\n{% for item in items %}\n<p>{{ item.title }} {{ dat }}</p>\n{% endfor %}\n",
            ),
            (
                "digest.txt.j2",
                "{{ digest }}\n\n{{ items | lenght }} items\n",
            ),
        ],
    );
    write_config(
        dir.path(),
        "feeds:
  - url: https://blog.rust-lang.org/feed.xml
    colour: red
digests:
  weekly:
    subject: \"{{ dat }} ({{ items|lenght }} items)\"
    to: [me@example.com]
",
    );
    let output = feedletter()
        .current_dir(dir.path())
        .arg("check")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert_sample(
        &format!("$ feedletter check\n{}", text(&output.stderr)),
        "config and template errors",
    );
}

/// An RSS feed titled `title` with `(title, date)` items.
fn blog(title: &str, items: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>https://example.com/</link>\n"
    );
    for (i, (item, date)) in items.iter().enumerate() {
        s.push_str(&format!(
            "<item><guid>{i}</guid><title>{item}</title><link>https://example.com/{i}</link><pubDate>{date}</pubDate></item>\n"
        ));
    }
    s.push_str("</channel></rss>\n");
    s.into_bytes()
}

fn rust_blog() -> Vec<u8> {
    blog(
        "Rust Blog",
        &[
            ("Announcing Rust 1.95", "Wed, 13 May 2026 18:00:00 GMT"),
            ("Project goals", "Tue, 12 May 2026 09:00:00 GMT"),
        ],
    )
}

fn simon() -> Vec<u8> {
    blog(
        "Simon Willison's Weblog",
        &[("Notes on tools", "Thu, 14 May 2026 06:12:00 GMT")],
    )
}

#[test]
fn readme_sample_of_check_fetch() {
    let server = FeedServer::start(vec![
        ("/feed.xml", Route::ok("application/rss+xml", rust_blog())),
        ("/rss", Route::status(404)),
        (
            "/atom/everything/",
            Route::ok("application/rss+xml", simon()),
        ),
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: {}\n    name: Rust Blog\n  - url: {}\n    name: Old Blog\n  - url: {}\ndigests:\n  daily:\n    to: [me@example.com]\n",
            server.url("/feed.xml"),
            server.url("/rss"),
            server.url("/atom/everything/")
        ),
    );
    let output = feedletter()
        .current_dir(dir.path())
        .args(["check", "--fetch"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let table: String = stdout.lines().skip(1).map(|l| format!("{l}\n")).collect();
    assert_sample_table(&table, "check --fetch");
}

#[test]
fn readme_sample_of_the_feeds_table() {
    let rust = FeedServer::start(vec![(
        "/feed.xml",
        Route::ok("application/rss+xml", rust_blog()),
    )]);
    let old = FeedServer::start(vec![("/rss", Route::status(404))]);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: {}\n    name: Rust Blog\n  - url: {}\n    name: Old Blog\ndigests:\n  daily:\n    to: [me@example.com]\n",
            rust.url("/feed.xml"),
            old.url("/rss")
        ),
    );
    // A run's fetch, recorded in the state as a real run records it.
    let config = feedletter::config::load(&path).expect("valid");
    let state = feedletter::state::State::open(&config.state).expect("state");
    let now = chrono::DateTime::parse_from_rfc3339("2026-05-14T07:00:00Z")
        .expect("time")
        .to_utc();
    feedletter::gather::gather(&config, &state, now, true, &|_| {}).expect("gathered");
    drop(state);
    let output = feedletter()
        .current_dir(dir.path())
        .arg("feeds")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let table = text(&output.stdout)
        .replace(&rust.url(""), "https://blog.rust-lang.org")
        .replace(&old.url(""), "https://old.example.com");
    assert_sample_table(&table, "the feeds table");
}

#[test]
fn readme_sample_of_an_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("subscriptions.opml"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="Rust">
      <outline type="rss" text="Rust Blog" xmlUrl="https://blog.rust-lang.org/feed.xml"/>
    </outline>
    <outline text="AI">
      <outline type="rss" text="Simon Willison's Weblog" xmlUrl="https://simonwillison.net/atom/everything/"/>
    </outline>
  </body>
</opml>
"#,
    )
    .expect("opml");
    let output = feedletter()
        .current_dir(dir.path())
        .args(["import", "subscriptions.opml"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stderr), "");
    assert_sample(
        &format!(
            "# fragment: the output of `feedletter import subscriptions.opml`\n{}",
            text(&output.stdout)
        ),
        "an import",
    );
}

#[test]
fn readme_sample_of_a_json_preview() {
    let notes = FeedServer::start(vec![(
        "/atom.xml",
        Route::ok("application/atom+xml", example_feed("rust-notes.atom")),
    )]);
    let old = FeedServer::start(vec![("/rss", Route::status(404))]);
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: {}\n  - url: {}\n    name: Old Blog\ndigests:\n  daily:\n    keywords: {{ include: [thiserror] }}\n    subject: \"Daily digest — {{{{ date }}}}\"\n    to: [me@example.com]\n",
            notes.url("/atom.xml"),
            old.url("/rss")
        ),
    );
    let output = feedletter()
        .current_dir(dir.path())
        .args(["run", "--dry-run=json", "--now", "2026-05-14T07:00:00Z"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let json = text(&output.stdout)
        .replace(&notes.url(""), "https://notes.example.org")
        .replace(&old.url(""), "https://old.example.com");
    assert_sample(&json, "a JSON preview");
}

#[test]
fn readme_sample_of_vv() {
    let rust = FeedServer::start(vec![(
        "/feed.xml",
        Route::ok("application/rss+xml", rust_blog()).with_etag("\"5f2a\""),
    )]);
    let old = FeedServer::start(vec![("/rss", Route::status(404))]);
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: {}\n  - url: {}\n    name: Old Blog\ndigests:\n  daily:\n    to: [me@example.com]\n",
            rust.url("/feed.xml"),
            old.url("/rss")
        ),
    );
    let output = feedletter()
        .current_dir(dir.path())
        .args(["run", "--dry-run", "--out", "digest.html", "-vv"])
        .args(["--now", "2026-05-14T07:00:00Z"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    // Feeds are fetched in parallel: their lines come in either order.
    let mut lines: Vec<String> = text(&output.stderr)
        .replace(&rust.url(""), "https://blog.rust-lang.org")
        .replace(&old.url(""), "https://old.example.com")
        .lines()
        .map(str::to_string)
        .collect();
    let fetch_lines = lines
        .iter()
        .position(|l| l.starts_with("warning:"))
        .expect("a warning for the old blog");
    lines[..fetch_lines]
        .sort_by_key(|l| !l.contains("blog.rust-lang.org") && !l.contains("Rust Blog"));
    let stderr: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert_sample(
        &format!("$ feedletter run --dry-run --out digest.html -vv\n{stderr}"),
        "-vv",
    );
}

/// Asserts that some fenced block of the README is this one line of `stderr`.
fn assert_sample_line(stderr: &str, starts: &str, what: &str) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with(starts))
        .unwrap_or_else(|| panic!("no line starting {starts:?} in:\n{stderr}"));
    assert_sample(&format!("{line}\n"), what);
}

#[test]
fn readme_sample_of_the_gmail_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("feed.rss"), support::dev_feed_copies(9)).expect("feed");
    write_config(
        dir.path(),
        "feeds:\n  - path: feed.rss\n    name: DEV Community\n    tags: [dev]\ndigests:\n  seed:\n    window: 30d\n    max_items: 100\n    to: [me@example.com]\n",
    );
    let output = feedletter()
        .current_dir(dir.path())
        .args(["run", "seed", "--dry-run", "--now", "2026-05-14T07:00:00Z"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_sample_line(
        &text(&output.stderr),
        "warning: digest seed:",
        "the Gmail warning",
    );
}

#[test]
fn readme_sample_of_an_archive_that_cannot_be_written() {
    use support::smtp_server::{Mode, Options, SmtpServer};
    let feeds = FeedServer::start(vec![(
        "/feed.xml",
        Route::ok(
            "application/rss+xml",
            support::rss(&[("first", "First story", "Thu, 14 May 2026 06:00:00 +0000")]),
        ),
    )]);
    let smtp = SmtpServer::start(Options::new(Mode::Plain));
    let dir = tempfile::tempdir().expect("tempdir");
    // A file where the archive's directory should be.
    std::fs::write(dir.path().join("archive"), "not a directory").expect("write");
    write_config(
        dir.path(),
        &format!(
            "feeds:\n  - url: {}\ndigests:\n  weekly:\n    window: 7d\n    archive: archive\n    to: [team@example.com]\nsmtp:\n  host: 127.0.0.1\n  port: {}\n  security: none\n  from: \"Feedletter <digest@example.com>\"\n",
            feeds.url("/feed.xml"),
            smtp.port()
        ),
    );
    let output = feedletter()
        .current_dir(dir.path())
        .args(["run", "--now", "2026-05-14T07:00:00Z"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_sample_line(
        &text(&output.stderr),
        "error: digest weekly was sent",
        "an archive that cannot be written",
    );
}
