//! One digest's selection → subject, HTML and plain-text parts, through minijinja
//! templates. Default templates are built in; a `templates/` directory overrides them.
//!
//! Only the items that survived selection reach this stage, so the costly work
//! (sanitizing, excerpting, CSS inlining) is done for them alone.

mod sanitize;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

use crate::config::{ContentMode, DigestConfig, GroupBy};
use crate::model::{FeedReport, SelectedItem, Selection};
use crate::text;

pub use sanitize::sanitize_html;

const DEFAULT_HTML: &str = include_str!("../../templates/digest.html.j2");
const DEFAULT_TEXT: &str = include_str!("../../templates/digest.txt.j2");

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error("subject of digest {digest}: {message}")]
    Subject { digest: String, message: String },
    #[error("cannot inline the digest's CSS: {0}")]
    Css(String),
}

/// A digest ready to deliver or preview.
#[derive(Debug, Clone)]
pub struct RenderedDigest {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Everything a template sees about the run besides the items.
pub struct RunContext<'a> {
    pub now: DateTime<Utc>,
    pub reports: &'a [FeedReport],
}

/// Holds the template environment, built once per run and shared by all digests.
pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// `override_dir`: templates there win over the built-in ones of the same name.
    pub fn new(override_dir: Option<&Path>) -> Renderer {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html.j2") || name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        let dir: Option<PathBuf> = override_dir.map(Path::to_path_buf);
        env.set_loader(move |name| load_template(dir.as_deref(), name));
        env.add_filter("wrap", wrap_filter);
        Renderer { env }
    }

    /// Compiles both templates of `name`, so `check` can report a broken one up front.
    pub fn check_template(&self, name: &str) -> Result<(), RenderError> {
        for file in [format!("{name}.html.j2"), format!("{name}.txt.j2")] {
            self.env
                .get_template(&file)
                .map_err(|e| template_error(&file, &e))?;
        }
        Ok(())
    }

    pub fn render(
        &self,
        digest: &DigestConfig,
        selection: &Selection,
        run: &RunContext<'_>,
    ) -> Result<RenderedDigest, RenderError> {
        let context = Value::from(minijinja::value::Serde(build_context(
            digest, selection, run,
        )));
        let subject = self
            .env
            .render_str(&digest.subject, &context)
            .map_err(|e| RenderError::Subject {
                digest: digest.name.clone(),
                message: detailed(&e),
            })?;
        let html_name = format!("{}.html.j2", digest.template);
        let text_name = format!("{}.txt.j2", digest.template);
        let html = self.render_file(&html_name, &context)?;
        let text = self.render_file(&text_name, &context)?;
        let html = inline_css(&html)?;
        Ok(RenderedDigest {
            // A header is one line; whatever the feed put in a title stays out of it.
            subject: text::collapse_whitespace(&subject),
            html,
            text: tidy_text(&text),
        })
    }

    fn render_file(&self, name: &str, context: &Value) -> Result<String, RenderError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| template_error(name, &e))?;
        template
            .render(context)
            .map_err(|e| template_error(name, &e))
    }
}

fn template_error(name: &str, e: &minijinja::Error) -> RenderError {
    RenderError::Template {
        name: name.to_string(),
        message: detailed(e),
    }
}

fn detailed(e: &minijinja::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

fn load_template(dir: Option<&Path>, name: &str) -> Result<Option<String>, minijinja::Error> {
    // Template names come from the config and from `include` tags; keep them inside
    // the template directory.
    let safe = !name.contains("..") && !name.contains(['/', '\\']) && !name.is_empty();
    if let (Some(dir), true) = (dir, safe) {
        let path = dir.join(name);
        if path.is_file() {
            return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("cannot read {}: {e}", path.display()),
                )
            });
        }
    }
    Ok(match name {
        "digest.html.j2" => Some(DEFAULT_HTML.to_string()),
        "digest.txt.j2" => Some(DEFAULT_TEXT.to_string()),
        _ => None,
    })
}

fn wrap_filter(value: String, width: Option<usize>, indent: Option<String>) -> String {
    text::wrap(&value, width.unwrap_or(78), indent.as_deref().unwrap_or(""))
}

fn inline_css(html: &str) -> Result<String, RenderError> {
    css_inline::CSSInliner::options()
        .load_remote_stylesheets(false)
        .build()
        .inline(html)
        .map_err(|e| RenderError::Css(e.to_string()))
}

/// Collapses the blank lines that template control flow leaves behind.
fn tidy_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[derive(Serialize)]
struct Context {
    digest: String,
    date: String,
    generated_at: String,
    timezone: String,
    window: String,
    group_by: &'static str,
    items: Vec<ItemView>,
    groups: Vec<Group>,
    omitted: usize,
    feeds: FeedCounts,
    failed_feeds: Vec<FailedFeed>,
    moved_feeds: Vec<MovedFeed>,
    generator: String,
}

#[derive(Serialize, Clone)]
struct ItemView {
    title: String,
    link: Option<String>,
    feed_name: String,
    feed_url: String,
    date: String,
    date_iso: String,
    tags: Vec<String>,
    authors: Vec<String>,
    excerpt: String,
    /// Sanitized HTML, only for `content: full`.
    content: Option<Value>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
struct FeedCounts {
    total: usize,
    ok: usize,
    failed: usize,
}

#[derive(Serialize)]
struct FailedFeed {
    name: String,
    location: String,
    error: String,
    failures_in_a_row: u32,
    failing_since: Option<String>,
}

#[derive(Serialize)]
struct MovedFeed {
    name: String,
    location: String,
    moved_to: String,
}

fn build_context(digest: &DigestConfig, selection: &Selection, run: &RunContext<'_>) -> Context {
    let tz = digest.timezone;
    let local_now = run.now.with_timezone(&tz);
    let items: Vec<ItemView> = selection
        .items
        .iter()
        .map(|i| item_view(digest, i))
        .collect();
    let groups = group(digest, &selection.items, &items);
    let failed_feeds = run
        .reports
        .iter()
        .filter_map(|r| {
            r.error().map(|e| FailedFeed {
                name: r.name.clone(),
                location: r.location.clone(),
                error: e.to_string(),
                failures_in_a_row: r.failures_in_a_row,
                failing_since: r
                    .failing_since
                    .map(|d| d.with_timezone(&tz).format("%-d %b %Y").to_string()),
            })
        })
        .collect::<Vec<_>>();
    let moved_feeds = run
        .reports
        .iter()
        .filter_map(|r| {
            r.moved_to.as_ref().map(|to| MovedFeed {
                name: r.name.clone(),
                location: r.location.clone(),
                moved_to: to.clone(),
            })
        })
        .collect();
    Context {
        digest: digest.name.clone(),
        date: local_now.format("%-d %B %Y").to_string(),
        generated_at: local_now.format("%Y-%m-%d %H:%M %Z").to_string(),
        timezone: tz.name().to_string(),
        window: humantime::format_duration(digest.window).to_string(),
        group_by: match digest.group_by {
            GroupBy::None => "none",
            GroupBy::Feed => "feed",
            GroupBy::Tag => "tag",
        },
        items,
        groups,
        omitted: selection.omitted,
        feeds: FeedCounts {
            total: run.reports.len(),
            ok: run.reports.len() - failed_feeds.len(),
            failed: failed_feeds.len(),
        },
        failed_feeds,
        moved_feeds,
        generator: format!("feedletter {}", env!("CARGO_PKG_VERSION")),
    }
}

/// The plain-text excerpt of an item, as the digest shows it.
pub fn excerpt(digest: &DigestConfig, item: &SelectedItem) -> String {
    let source = item
        .summary
        .as_deref()
        .or(item.content.as_deref())
        .unwrap_or("");
    text::excerpt(&text::html_to_text(source), digest.excerpt_chars)
}

fn item_view(digest: &DigestConfig, item: &SelectedItem) -> ItemView {
    let excerpt = excerpt(digest, item);
    let content = match digest.content {
        ContentMode::Excerpt => None,
        ContentMode::Full => {
            let html = item
                .content
                .as_deref()
                .or(item.summary.as_deref())
                .unwrap_or("");
            let base = item
                .link
                .as_deref()
                .or(Some(item.feed_url.as_str()))
                .and_then(|l| url::Url::parse(l).ok());
            Some(Value::from_safe_string(sanitize_html(html, base.as_ref())))
        }
    };
    let local = item.date.with_timezone(&digest.timezone);
    ItemView {
        title: if item.title.is_empty() {
            "(untitled)".to_string()
        } else {
            item.title.clone()
        },
        link: item.link.clone(),
        feed_name: item.feed_name.clone(),
        feed_url: item.feed_url.clone(),
        date: local.format("%-d %b %Y, %H:%M").to_string(),
        date_iso: item.date.to_rfc3339(),
        tags: item.tags.clone(),
        authors: item.authors.clone(),
        excerpt,
        content,
    }
}

/// Sections for `group_by`. An item goes under one section only, so nothing is
/// listed twice: its feed, or its first tag that the digest asked for (else its first tag).
fn group(digest: &DigestConfig, items: &[SelectedItem], views: &[ItemView]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (item, view) in items.iter().zip(views) {
        let name = match digest.group_by {
            GroupBy::None => String::new(),
            GroupBy::Feed => item.feed_name.clone(),
            GroupBy::Tag => item
                .tags
                .iter()
                .find(|t| digest.include_tags.contains(t))
                .or(item.tags.first())
                .cloned()
                .unwrap_or_else(|| "other".to_string()),
        };
        match groups.iter_mut().find(|g| g.name == name) {
            Some(g) => g.items.push(view.clone()),
            None => groups.push(Group {
                name,
                items: vec![view.clone()],
            }),
        }
    }
    if digest.group_by == GroupBy::Tag {
        groups.sort_by(|a, b| a.name.cmp(&b.name));
    }
    groups
}
