//! Markup inside a short label (a title, an author, a category). Feeds put both HTML
//! and plain text there, and `Vec<T>` in a title is text: only tags the table marks
//! as label markup are removed, and `<script>`/`<style>` with their content.

use super::tags;

/// `label` with every tag the table knows as label markup (`<b>`, `</a>`,
/// `<br/>`, `<span class=…>`), and every `<script>…</script>` or `<style>…</style>`,
/// replaced by a space; anything else, `<T>` included, left as it is.
///
/// Each `<` is tried once, and no search is repeated from a later `<` once it found
/// nothing, so the time is linear in the label.
pub(crate) fn remove_markup(label: &str) -> String {
    let mut reader = Reader {
        label,
        last_gt: memchr::memrchr(b'>', label.as_bytes()),
        no_closer_from: label.len(),
    };
    let mut out = String::with_capacity(label.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(at) = memchr::memchr(b'<', &label.as_bytes()[from..]).map(|i| from + i) {
        match reader.hidden_element(at).or_else(|| reader.tag(at)) {
            Some(end) => {
                out.push_str(&label[copied..at]);
                out.push(' ');
                copied = end;
                from = end;
            }
            None => from = at + 1,
        }
    }
    out.push_str(&label[copied..]);
    out
}

struct Reader<'a> {
    label: &'a str,
    /// The last `>`: a tag cannot end after it.
    last_gt: Option<usize>,
    /// No `</script>` or `</style>` starts at or after this offset.
    no_closer_from: usize,
}

impl Reader<'_> {
    /// `<script` or `<style` at `at`, not followed by a letter or digit, up to and
    /// including the first `</script>` or `</style>` after it: the offset past it.
    fn hidden_element(&mut self, at: usize) -> Option<usize> {
        let name_end = at + 1 + hidden_name(&self.label[at + 1..])?;
        if self.label[name_end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            return None;
        }
        if name_end >= self.no_closer_from {
            return None;
        }
        let mut from = name_end;
        while let Some(found) = memchr::memmem::find(&self.label.as_bytes()[from..], b"</") {
            let close = from + found + 2;
            if let Some(len) = hidden_name(&self.label[close..]) {
                let rest = self.label[close + len..].trim_start();
                if rest.starts_with('>') {
                    return Some(self.label.len() - rest.len() + 1);
                }
            }
            from = close;
        }
        self.no_closer_from = name_end;
        None
    }

    /// A label tag at `at`: `<name>`, `</name>`, or the name followed by a space or
    /// `/` and anything up to the next `>`. The offset past it.
    fn tag(&self, at: usize) -> Option<usize> {
        let after_lt = &self.label[at + 1..];
        let after_slash = after_lt.strip_prefix('/').unwrap_or(after_lt);
        let name_len = after_slash
            .bytes()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(after_slash.len());
        let name_end = self.label.len() - after_slash.len() + name_len;
        let name = after_slash[..name_len].to_ascii_lowercase();
        if !tags::get(&name).is_some_and(|t| t.is(tags::LABEL)) {
            return None;
        }
        let next = self.label[name_end..].chars().next()?;
        if next == '>' {
            return Some(name_end + 1);
        }
        if !(next == '/' || next.is_whitespace()) || self.last_gt? < name_end {
            return None;
        }
        let gt = memchr::memchr(b'>', &self.label.as_bytes()[name_end..])?;
        Some(name_end + gt + 1)
    }
}

/// The length of `script` or `style`, in any case, at the start of `s`.
fn hidden_name(s: &str) -> Option<usize> {
    ["script", "style"]
        .iter()
        .find(|name| {
            s.get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
        })
        .map(|name| name.len())
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;

    /// The rule as a regular expression, built from the same table: the reference the
    /// reader must match.
    fn reference() -> Regex {
        let names: Vec<&str> = tags::names(tags::LABEL).into_iter().collect();
        Regex::new(&format!(
            r"(?is)<(?:script|style)\b.*?</(?:script|style)\s*>|</?(?:{})(?:[\s/][^>]*)?>",
            names.join("|")
        ))
        .expect("valid regex")
    }

    fn compare(regex: &Regex, label: &str) {
        assert_eq!(
            remove_markup(label),
            regex.replace_all(label, " "),
            "{label:?}"
        );
    }

    #[test]
    fn removes_label_markup_only() {
        assert_eq!(
            remove_markup("Vec<T> <b onclick=\"x()\">bold</B> <br/>x<Script>s</script >y"),
            "Vec<T>  bold   x y"
        );
        let regex = reference();
        for label in [
            "a <script>x</style> b",
            "<script-x>x</script>y",
            "<scripts>x</script>",
            "<scripté>x</script>",
            "<script",
            "<style>never closed",
            "<b",
            "<b x",
            "<b\u{a0}x>y",
            "<b\u{e9}>",
            "</p >",
            "<h7>x</h7>",
            "<svg/onload=alert(1)>",
            "x</script\n>y",
            "<<b>>",
        ] {
            compare(&regex, label);
        }
    }

    #[test]
    fn agrees_with_the_regex_on_generated_labels() {
        let regex = reference();
        let pieces: Vec<&str> =
            "<|>|/| |\n|\u{a0}|é|b|B|br|script|STYLE|span|T|x|<b>|</b>|<script>|\
            </script>|<style |</style>|<a |=|\"|<br/>|-|_"
                .split('|')
                .collect();
        for label in crate::html::generated(&pieces, 16, 20_000, 0x9e37_79b9_7f4a_7c15) {
            compare(&regex, &label);
        }
    }

    #[test]
    fn hostile_labels_take_linear_time() {
        let started = std::time::Instant::now();
        for unit in ["<script ", "<b ", "<style</", "<a"] {
            let label = unit.repeat(50_000);
            assert!(remove_markup(&label).len() <= label.len());
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
}
