//! One digest's selection → subject, HTML and plain-text parts, through minijinja
//! templates. Default templates are built in; a `templates/` directory overrides them.
//!
//! Only the items that survived selection reach this stage, so the costly work
//! (sanitizing, excerpting, CSS inlining) is done for them alone.

mod budget;
mod context;
mod item;
mod lead_image;
mod lint;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use regex::Regex;

use crate::config::{ContentMode, DigestConfig};
use crate::model::{FeedReport, Selection};
use crate::{isolate, text};

pub(crate) use budget::GMAIL_CLIP_BYTES;
use budget::Plan;
pub(crate) use context::IssueLinks;
pub(crate) use item::{excerpt, lead_image};
pub(crate) use lint::TemplateSource;

const DEFAULT_HTML: &str = include_str!("../templates/digest.html.j2");
const DEFAULT_TEXT: &str = include_str!("../templates/digest.txt.j2");

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error("subject of digest {digest}: {message}")]
    Subject { digest: String, message: String },
    #[error("cannot inline the digest's CSS: {0}")]
    Css(String),
    /// The digest is named by whoever reports it, as for the other variants.
    #[error("the renderer crashed on its items")]
    Crashed,
}

/// A digest ready to deliver or preview.
#[derive(Debug, Clone)]
pub struct RenderedDigest {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Everything a template sees about the run besides the items.
pub(crate) struct RunContext<'a> {
    pub now: DateTime<Utc>,
    pub reports: &'a [FeedReport],
}

/// Holds the template environment, built once per run and shared by all digests.
pub(crate) struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// `override_dir`: templates there win over the built-in ones of the same name.
    pub(crate) fn new(override_dir: Option<&Path>) -> Renderer {
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
    pub(crate) fn check_template(&self, name: &str) -> Result<(), RenderError> {
        for file in [format!("{name}.html.j2"), format!("{name}.txt.j2")] {
            (self.env.get_template(&file)).map_err(|e| template_error(&file, &e))?;
        }
        Ok(())
    }

    /// Renders one digest; `issue` is where its page in the web archive will be. A
    /// digest whose HTML would be clipped by Gmail is shown with less until it fits
    /// (see `budget`), with a warning on stderr. A panic while sanitizing, inlining or
    /// templating is this digest's error, so the other digests are still rendered.
    pub(crate) fn render_issue(
        &self,
        digest: &DigestConfig,
        selection: &Selection,
        run: &RunContext<'_>,
        issue: Option<&IssueLinks>,
    ) -> Result<RenderedDigest, RenderError> {
        let rendered = isolate::catch(|| {
            let prepared = item::prepare(digest, selection);
            let attempt = |plan: &Plan| {
                let context = context::build(digest, selection, &prepared, plan, run, issue);
                self.render_with(digest, &context)
            };
            let all = selection.items.len();
            let whole = Plan::whole(
                all,
                digest.content == ContentMode::Full,
                digest.excerpt_chars,
            );
            let rendered = attempt(&whole)?;
            if rendered.html.len() <= GMAIL_CLIP_BYTES || all == 0 {
                return Ok(rendered);
            }
            let fitted = budget::fit(whole, attempt)?;
            let warning = fitted.warning(&whole, rendered.html.len());
            log::warn!("digest {}: {warning}", digest.name);
            Ok(fitted.rendered)
        });
        rendered.unwrap_or_else(|panic| {
            log::debug!("digest {}: the renderer crashed: {panic}", digest.name);
            Err(RenderError::Crashed)
        })
    }

    fn render_with(
        &self,
        digest: &DigestConfig,
        context: &Value,
    ) -> Result<RenderedDigest, RenderError> {
        let subject = (self.env.render_str(&digest.subject, context)).map_err(|e| {
            let (digest, message) = (digest.name.clone(), with_causes(e.to_string(), &e));
            RenderError::Subject { digest, message }
        })?;
        let html = self.render_file(&format!("{}.html.j2", digest.template), context)?;
        let text = self.render_file(&format!("{}.txt.j2", digest.template), context)?;
        Ok(RenderedDigest {
            // A header is one line; whatever the feed put in a title stays out of it.
            subject: text::collapse_whitespace(&subject),
            html: inline_css(&html)?,
            text: tidy_text(&text),
        })
    }

    fn render_file(&self, name: &str, context: &Value) -> Result<String, RenderError> {
        let rendered = self.env.get_template(name).and_then(|t| t.render(context));
        rendered.map_err(|e| template_error(name, &e))
    }
}

fn template_error(name: &str, e: &minijinja::Error) -> RenderError {
    RenderError::Template {
        name: name.to_string(),
        message: with_causes(e.to_string(), e),
    }
}

/// `message` followed by the causes of `e`, one after another.
fn with_causes(message: String, e: &minijinja::Error) -> String {
    let causes = std::iter::successors(std::error::Error::source(e), |s| s.source());
    causes.fold(message, |message, cause| format!("{message}: {cause}"))
}

fn load_template(dir: Option<&Path>, name: &str) -> Result<Option<String>, minijinja::Error> {
    // Template names come from the config and from `include` tags; keep them inside
    // the template directory.
    let safe = !name.contains("..") && !name.contains(['/', '\\']) && !name.is_empty();
    let path = dir.filter(|_| safe).map(|dir| dir.join(name));
    if let Some(path) = path.filter(|path| path.is_file()) {
        return std::fs::read_to_string(&path).map(Some).map_err(|e| {
            let message = format!("cannot read {}: {e}", path.display());
            minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message)
        });
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

/// Inlines the template's CSS into `style` attributes. A `<style
/// data-css-inline="ignore">` block is not inlined and is put back into `<head>` as
/// written (css-inline would drop it): rules that every item repeats are far
/// smaller there than copied onto each element.
fn inline_css(html: &str) -> Result<String, RenderError> {
    let kept: String = IGNORED_STYLE
        .captures_iter(html)
        .map(|c| format!("<style>{}</style>\n", &c[1]))
        .collect();
    let inlined = css_inline::CSSInliner::options()
        .load_remote_stylesheets(false)
        .build()
        .inline(html)
        .map_err(|e| RenderError::Css(e.to_string()))?;
    Ok(match inlined.find("</head>") {
        Some(at) if !kept.is_empty() => format!("{}{kept}{}", &inlined[..at], &inlined[at..]),
        _ => inlined,
    })
}

static IGNORED_STYLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)<style data-css-inline="ignore">(.*?)</style>"#).expect("valid regex")
});

/// Collapses the blank lines that template control flow leaves behind.
fn tidy_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(str::trim_end) {
        // None at the start, and at most one in a row.
        if line.is_empty() && (out.is_empty() || out.ends_with("\n\n")) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_rendering_is_the_digests_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let templates = dir.path().join("templates");
        std::fs::create_dir(&templates).expect("templates dir");
        std::fs::write(templates.join("boom.html.j2"), "{{ digest|boom }}").expect("template");
        std::fs::write(templates.join("boom.txt.j2"), "text").expect("template");
        let config = dir.path().join("feeds.yaml");
        std::fs::write(
            &config,
            "feeds:\n  - path: feed.xml\ndigests:\n  broken:\n    template: boom\n    to: [a@example.com]\n  fine:\n    to: [a@example.com]\n",
        )
        .expect("config");
        let config = crate::config::load(&config).expect("a valid config");
        let mut renderer = Renderer::new(config.templates.as_deref());
        // Stands for a bug deep in a sanitizer or the CSS inliner.
        renderer.env.add_filter("boom", |name: String| -> String {
            panic!("boom in {name}")
        });
        let run = RunContext {
            now: Utc::now(),
            reports: &[],
        };
        let selection = Selection::default();
        let broken = renderer.render_issue(&config.digests[0], &selection, &run, None);
        assert_eq!(
            broken.map(|_| ()).map_err(|e| e.to_string()),
            Err("the renderer crashed on its items".into())
        );
        let fine = renderer.render_issue(&config.digests[1], &selection, &run, None);
        assert!(fine.is_ok_and(|r| r.html.contains("fine")));
    }
}
