//! Every error in a digest's templates at once, for `check`. Rendering stops at the
//! first error, so a person fixing templates would otherwise need one round per
//! mistake: here variables the context does not have are found before rendering,
//! and unknown filters and tests are stood in for after they are reported, so the
//! render can go on to the next one.

use std::collections::BTreeSet;

use minijinja::{Environment, ErrorKind, Value};

use super::budget::Plan;
use super::{IssueLinks, Renderer, RunContext, context, with_causes};
use crate::config::{ContentMode, DigestConfig};
use crate::model::Selection;

/// Stand-ins added before a template is given up on; far more than any real template
/// has mistakes.
const MAX_STAND_INS: usize = 20;

/// The subject's name in the lint's own environment; not a file name, so no file
/// template can take it.
const SUBJECT: &str = "subject";

/// Which of a digest's templates a problem is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TemplateSource {
    /// The digest's `subject:` in the config.
    Subject,
    /// A template file, by name (`digest.html.j2`).
    File(String),
}

/// One mistake in a template, with its 1-based line within that template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateProblem {
    pub source: TemplateSource,
    pub line: Option<usize>,
    pub message: String,
}

impl Renderer {
    /// Renders the digest's subject and both template files against `selection`,
    /// each on its own, and returns every problem found in any of them.
    pub(crate) fn lint(
        &self,
        digest: &DigestConfig,
        selection: &Selection,
        run: &RunContext<'_>,
    ) -> Vec<TemplateProblem> {
        let prepared = super::item::prepare(digest, selection);
        let whole = Plan::whole(
            selection.items.len(),
            digest.content == ContentMode::Full,
            digest.excerpt_chars,
        );
        // A digest with an archive URL has its "View in browser" links: those parts
        // of the templates render too.
        let issue = digest
            .archive
            .as_ref()
            .and_then(|a| a.url.as_ref())
            .map(|base| IssueLinks {
                archive_url: base.to_string(),
                issue_url: format!("{base}sample.html"),
            });
        let context = context::build(digest, selection, &prepared, &whole, run, issue.as_ref());
        let sources = [
            TemplateSource::Subject,
            TemplateSource::File(format!("{}.html.j2", digest.template)),
            TemplateSource::File(format!("{}.txt.j2", digest.template)),
        ];
        (sources.into_iter())
            .flat_map(|source| lint_one(&self.env, source, &digest.subject, &context))
            .collect()
    }
}

fn lint_one(
    env: &Environment<'static>,
    source: TemplateSource,
    subject: &str,
    context: &Value,
) -> Vec<TemplateProblem> {
    let mut env = env.clone();
    let problem = |line, message| TemplateProblem {
        source: source.clone(),
        line,
        message,
    };
    let (name, added) = match &source {
        TemplateSource::Subject => (SUBJECT, env.add_template_owned(SUBJECT, subject.to_owned())),
        TemplateSource::File(name) => (name.as_str(), Ok(())),
    };
    let template = match added.and_then(|()| env.get_template(name)) {
        Ok(template) => template,
        Err(e) => return vec![problem(e.line(), describe(&e))],
    };
    // A template that renders needs no analysis: a variable it tests with `is
    // defined` is not a mistake, though it is undeclared.
    if template.render(context).is_ok() {
        return Vec::new();
    }
    let text = template.source().to_string();
    let known = |name: &str| {
        context.get_attr(name).is_ok_and(|v| !v.is_undefined())
            || env.globals().any(|(global, _)| global == name)
    };
    let missing: BTreeSet<String> = (template.undeclared_variables(false).into_iter())
        .filter(|name| !known(name))
        .collect();
    let mut problems = Vec::new();
    for name in missing {
        let message = format!("undefined variable `{name}`");
        problems.push(problem(line_of(&text, &name), message));
        // An empty string renders, loops and compares: the rest of the template runs.
        env.add_global(name, Value::from(""));
    }
    let reported: BTreeSet<Option<usize>> = problems.iter().map(|p| p.line).collect();
    for _ in 0..MAX_STAND_INS {
        let Err(e) = env.get_template(name).and_then(|t| t.render(context)) else {
            break;
        };
        // A stand-in variable used as a function or a mapping fails again on its
        // line; that line has been reported already.
        if !reported.contains(&e.line()) || matches!(e.kind(), ErrorKind::UnknownFilter) {
            problems.push(problem(e.line(), describe(&e)));
        }
        match (e.kind(), unknown_name(&e)) {
            (ErrorKind::UnknownFilter, Some(name)) => env.add_filter(name, |v: Value| v),
            (ErrorKind::UnknownTest, Some(name)) => env.add_test(name, |_: Value| false),
            _ => break,
        }
    }
    problems.sort_by_key(|p| p.line);
    problems
}

/// The name in minijinja's "filter NAME is unknown" / "test NAME is unknown".
fn unknown_name(e: &minijinja::Error) -> Option<String> {
    e.detail()?.split_whitespace().nth(1).map(String::from)
}

/// The error in words, without the template name and line minijinja appends: the
/// caller prefixes its own `file:line`.
fn describe(e: &minijinja::Error) -> String {
    let kind = e.kind().to_string();
    if e.kind() == ErrorKind::TemplateNotFound {
        return "no such file, and no built-in template of that name".to_string();
    }
    let message = match (e.kind(), unknown_name(e), e.detail()) {
        (ErrorKind::UnknownFilter | ErrorKind::UnknownTest, Some(name), _) => {
            format!("{kind} `{name}`")
        }
        (_, _, Some(detail)) => format!("{kind}: {detail}"),
        (_, _, None) => kind,
    };
    with_causes(message, e)
}

/// The first line where `name` is used as a variable (not as an attribute).
fn line_of(text: &str, name: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.lines()
        .position(|line| {
            line.match_indices(name).any(|(at, _)| {
                let before = line[..at].chars().next_back();
                let after = line[at + name.len()..].chars().next();
                !before.is_some_and(|c| is_ident(c) || c == '.') && !after.is_some_and(is_ident)
            })
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_variable_as_a_word_not_as_an_attribute() {
        let text = "{{ item.dat }}\n{{ data }}\n{{ dat|upper }}";
        assert_eq!(line_of(text, "dat"), Some(3));
    }
}
