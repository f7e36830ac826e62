//! The RFC 5322 message for one digest.
//!
//! Everything that reaches a header goes through lettre's encoders, so nothing a feed
//! or a template produced can add a header, a recipient or a MIME part.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::MessageBuilder;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use sha2::{Digest as _, Sha256};

use super::smtp::DeliveryError;
use crate::config::DigestConfig;

/// A rendered digest on its way out: who it is for and what it says.
#[derive(Debug, Clone)]
pub struct OutgoingDigest<'a> {
    pub digest: &'a DigestConfig,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Builds the RFC 5322 message: `multipart/alternative` with the plain text first and
/// the HTML last (RFC 2046: the last part is the preferred one).
///
/// Bcc recipients end up in the envelope only, never in a header.
pub fn build_message(
    from: &Mailbox,
    out: &OutgoingDigest,
    now: DateTime<Utc>,
) -> Result<Message, DeliveryError> {
    let digest = out.digest;
    if digest.to.is_empty() && digest.cc.is_empty() && digest.bcc.is_empty() {
        return Err(DeliveryError::Build(format!(
            "digest `{}` has no recipients",
            digest.name
        )));
    }
    let header = |name, value| HeaderValue::new(HeaderName::new_from_ascii_str(name), value);
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(one_line(&out.subject))
        .date(SystemTime::from(now))
        .message_id(Some(message_id(from, out, now)))
        // RFC 3834: tells vacation responders and ticket systems not to answer a digest.
        .raw_header(header("Auto-Submitted", "auto-generated".to_string()))
        .raw_header(header("List-Id", list_id(from, digest)));
    if let Some(url) = &digest.unsubscribe {
        builder = builder.raw_header(header("List-Unsubscribe", format!("<{url}>")));
    }
    let builder = (digest.to.iter().cloned()).fold(builder, MessageBuilder::to);
    let builder = (digest.cc.iter().cloned()).fold(builder, MessageBuilder::cc);
    let builder = (digest.bcc.iter().cloned()).fold(builder, MessageBuilder::bcc);
    builder
        .multipart(MultiPart::alternative_plain_html(
            out.text.clone(),
            out.html.clone(),
        ))
        .map_err(|e| DeliveryError::Build(format!("digest `{}`: {e}", digest.name)))
}

/// The exact bytes an SMTP server would receive after DATA (before dot-stuffing).
pub fn to_eml(message: &Message) -> Vec<u8> {
    message.formatted()
}

/// A subject is one line: control characters (CR, LF, tabs, NUL…) and runs of
/// whitespace become single spaces. lettre would encode a stray CRLF safely, but a
/// decoded subject with a line break in it still confuses mail clients.
fn one_line(subject: &str) -> String {
    subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `<unique@sender-domain>`: on the sender's own domain so the id is as unique as the
/// domain is, and threading/dedup in clients works. Unique even for two digests built
/// in the same nanosecond by the same process.
fn message_id(from: &Mailbox, out: &OutgoingDigest, now: DateTime<Utc>) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hash = Sha256::new();
    hash.update(now.timestamp_nanos_opt().unwrap_or_default().to_le_bytes());
    hash.update(std::process::id().to_le_bytes());
    hash.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    // Per-process random keys: two hosts sending the same digest at the same instant
    // still get different ids.
    hash.update(RandomState::new().build_hasher().finish().to_le_bytes());
    hash.update(out.digest.name.as_bytes());
    hash.update(out.subject.as_bytes());
    let hash = hash.finalize();
    let unique: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("<{}.{unique}@{}>", now.timestamp(), id_domain(from))
}

/// RFC 2919: `Title <key.from-domain>`, so readers can filter the digest as a list.
/// The title is a phrase of atoms (lettre encodes those that are not ASCII); the
/// label is the key with anything but letters, digits and `-` made a `-`.
fn list_id(from: &Mailbox, digest: &DigestConfig) -> String {
    let atom = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let phrase = one_line(&digest.title.replace(|c: char| !atom(c), " "));
    let label: String = (digest.name.chars())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let label = label.trim_matches('-');
    let label = if label.is_empty() { "digest" } else { label };
    format!("{phrase} <{label}.{}>", id_domain(from))
        .trim_start()
        .to_string()
}

/// The right-hand side of a Message-ID must be ASCII: an internationalised domain is
/// written in its punycode form.
fn id_domain(from: &Mailbox) -> String {
    let domain = from.email.domain();
    if domain.is_ascii() {
        return domain.to_string();
    }
    match url::Host::parse(domain) {
        Ok(url::Host::Domain(ascii)) => ascii,
        _ => "feedletter.invalid".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_flattens_line_breaks_and_controls() {
        assert_eq!(
            one_line("Hello\r\nBcc: evil@example.com\t\0 x"),
            "Hello Bcc: evil@example.com x"
        );
        assert_eq!(one_line("  AI หลอกตัวเราได้อย่างไร  "), "AI หลอกตัวเราได้อย่างไร");
        assert_eq!(one_line("a\u{2028}b"), "a b");
    }

    #[test]
    fn id_domain_uses_punycode_for_idn() {
        let from: Mailbox = "Digest <digest@bücher.example>".parse().expect("address");
        assert_eq!(id_domain(&from), "xn--bcher-kva.example");
        let from: Mailbox = "digest@example.com".parse().expect("address");
        assert_eq!(id_domain(&from), "example.com");
    }
}
