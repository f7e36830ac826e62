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

pub use crate::html::sanitize::sanitize_html;
pub use budget::GMAIL_CLIP_BYTES;
use budget::Plan;
pub use context::IssueLinks;
pub use item::{excerpt, lead_image};
pub use lead_image::lead_image_in;
pub use lint::TemplateSource;

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

    /// Renders one digest; `issue` is where its page in the web archive will be. A
    /// digest whose HTML would be clipped by Gmail is shown with less until it fits
    /// (see `budget`), with a warning on stderr. A panic while sanitizing, inlining or
    /// templating is this digest's error, so the other digests are still rendered.
    pub fn render_issue(
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
                self.render_with(digest, &Value::from(minijinja::value::Serde(&context)))
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
            let full_size = rendered.html.len();
            let fitted = budget::fit(whole, attempt)?;
            let size = fitted.rendered.html.len();
            let plan = fitted.plan;
            let how = if plan.title_only_from < all {
                format!(
                    "the last {} of {all} items show only their titles",
                    all - plan.title_only_from
                )
            } else if plan.excerpt_chars < digest.excerpt_chars {
                format!("excerpts are cut to {} characters", plan.excerpt_chars)
            } else {
                format!(
                    "the last {} of {all} items are shown as excerpts",
                    all - plan.full_items
                )
            };
            if size > GMAIL_CLIP_BYTES {
                log::warn!(
                    "digest {}: the HTML is {size} bytes even with titles only, and Gmail clips \
                     messages over {GMAIL_CLIP_BYTES}; lower max_items",
                    digest.name
                );
            } else {
                log::warn!(
                    "digest {}: the HTML would be {full_size} bytes and Gmail clips messages over \
                     {GMAIL_CLIP_BYTES}; {how}",
                    digest.name
                );
            }
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
        let subject =
            self.env
                .render_str(&digest.subject, context)
                .map_err(|e| RenderError::Subject {
                    digest: digest.name.clone(),
                    message: detailed(&e),
                })?;
        let html_name = format!("{}.html.j2", digest.template);
        let text_name = format!("{}.txt.j2", digest.template);
        let html = self.render_file(&html_name, context)?;
        let text = self.render_file(&text_name, context)?;
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
