//! Why a delivery failed, worded for the person who has to fix it, and the helpers that
//! dig the useful part out of lettre's and the OS's errors. Kept apart from the code that
//! raises them so that the wording of every message can be read in one place.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::Error as SmtpError;

/// Why a digest could not be handed over. Every message names the server, file or
/// variable involved; none ever contains the SMTP password.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("cannot use smtp.ca_file {}: {reason}", .path.display())]
    CaFile { path: PathBuf, reason: String },
    #[error("cannot connect to {server}: {reason}{}", tried(*.attempts))]
    Connect {
        server: String,
        reason: String,
        attempts: u32,
    },
    #[error(
        "{server} did not answer within {} {}{}",
        humantime::format_duration(*.after),
        .step.during(),
        tried(*.attempts)
    )]
    Timeout {
        server: String,
        step: Step,
        after: Duration,
        attempts: u32,
    },
    #[error("{server} does not offer STARTTLS; refusing to send {} in clear", if *.credentials { "credentials" } else { "the digest" })]
    NoStarttls { server: String, credentials: bool },
    #[error(
        "refusing to send credentials to {server} over an unencrypted connection: set smtp.security to starttls or tls"
    )]
    CleartextCredentials { server: String },
    #[error("TLS with {server} failed: {reason}")]
    Tls { server: String, reason: String },
    #[error("authentication refused by {server} for user {user}: {reply}")]
    Auth {
        server: String,
        user: String,
        reply: String,
    },
    #[error(
        "{server} offers no authentication mechanism feedletter supports (PLAIN, LOGIN) for user {user}"
    )]
    NoAuthMechanism { server: String, user: String },
    #[error("{server} rejected {step}: {code} {reply}{}", tried(*.attempts))]
    Rejected {
        server: String,
        step: Step,
        code: u16,
        reply: String,
        attempts: u32,
    },
    #[error("{server} does not support {extension}, which {needed_for}")]
    Unsupported {
        server: String,
        extension: &'static str,
        needed_for: &'static str,
    },
    #[error("connection to {server} failed {}: {reason}{}", .step.during(), tried(*.attempts))]
    Network {
        server: String,
        step: Step,
        reason: String,
        attempts: u32,
    },
    #[error(
        "{server} did not confirm receipt of the message ({reason}); it may or may not have been delivered, so it was not sent again"
    )]
    Unconfirmed { server: String, reason: String },
    #[error("sendmail program {program} failed: {reason}")]
    Sendmail { program: String, reason: String },
}

impl DeliveryError {
    /// How many attempts were made, for the errors that are retried.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            DeliveryError::Connect { attempts, .. }
            | DeliveryError::Timeout { attempts, .. }
            | DeliveryError::Rejected { attempts, .. }
            | DeliveryError::Network { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    pub(super) fn set_attempts(&mut self, n: u32) {
        if let DeliveryError::Connect { attempts, .. }
        | DeliveryError::Timeout { attempts, .. }
        | DeliveryError::Rejected { attempts, .. }
        | DeliveryError::Network { attempts, .. } = self
        {
            *attempts = n;
        }
    }
}

fn tried(attempts: u32) -> String {
    match attempts {
        0 | 1 => String::new(),
        n => format!(" (tried {n} times)"),
    }
}

/// The SMTP password could not be read. Names the variable or file, never the value.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the SMTP password variable {name} (smtp.password_env) is not set")]
    EnvMissing { name: String },
    #[error("the SMTP password variable {name} (smtp.password_env) is not valid UTF-8")]
    EnvNotUnicode { name: String },
    #[error("cannot read the SMTP password file {} (smtp.password_file): {source}", .path.display())]
    File { path: PathBuf, source: io::Error },
    #[error("the SMTP password from {origin} is empty")]
    Empty { origin: String },
    #[error("SMTP user {user} has no password: set smtp.password_env or smtp.password_file")]
    NoSource { user: String },
}

/// Where in the SMTP conversation something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// TCP connect, greeting and EHLO (and the TLS handshake for implicit TLS).
    Connect,
    StartTls,
    Auth,
    Sender(String),
    Recipient(String),
    Data,
    /// The message itself and the server's final answer to it.
    Message,
    /// A NOOP sent by `probe`.
    Noop,
}

impl Step {
    /// When in the conversation, for errors that happened while waiting.
    pub fn during(&self) -> String {
        match self {
            Step::Connect => "while connecting".into(),
            Step::StartTls => "during STARTTLS".into(),
            Step::Auth => "during authentication".into(),
            Step::Sender(a) => format!("after MAIL FROM:<{a}>"),
            Step::Recipient(a) => format!("after RCPT TO:<{a}>"),
            Step::Data => "after DATA".into(),
            Step::Message => "after the message".into(),
            Step::Noop => "after NOOP".into(),
        }
    }
}

/// What the server rejected, as the object of "rejected …".
impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Connect => f.write_str("the connection"),
            Step::StartTls => f.write_str("STARTTLS"),
            Step::Auth => f.write_str("authentication"),
            Step::Sender(a) => write!(f, "the sender {a}"),
            Step::Recipient(a) => write!(f, "the recipient {a}"),
            Step::Data => f.write_str("DATA"),
            Step::Message => f.write_str("the message"),
            Step::Noop => f.write_str("NOOP"),
        }
    }
}

/// An attempt's failure, and whether trying again could help.
pub(super) struct Failure {
    pub(super) error: DeliveryError,
    pub(super) retry: bool,
}

impl Failure {
    pub(super) fn permanent(error: DeliveryError) -> Self {
        Failure {
            error,
            retry: false,
        }
    }
}

/// The text of the server's reply, without lettre's "permanent error (550):" prefix.
pub(super) fn reply_text(error: &SmtpError) -> String {
    let reply = error.source().map(|s| s.to_string()).unwrap_or_default();
    reply.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The innermost I/O error, in words, or lettre's own description.
pub(super) fn describe(error: &(dyn StdError + 'static)) -> String {
    if let Some(io) = find_io_error(error) {
        return match io.kind() {
            io::ErrorKind::ConnectionRefused => "connection refused".into(),
            io::ErrorKind::ConnectionReset => "connection reset by the server".into(),
            io::ErrorKind::ConnectionAborted => "connection aborted".into(),
            io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => {
                "the server closed the connection".into()
            }
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "timed out".into(),
            io::ErrorKind::HostUnreachable => "host unreachable".into(),
            io::ErrorKind::NetworkUnreachable => "network unreachable".into(),
            _ => io.to_string(),
        };
    }
    let text = error.source().unwrap_or(error).to_string();
    // lettre's wording for an EOF where a reply was expected.
    if text == "incomplete response" {
        "the server closed the connection".into()
    } else {
        text
    }
}

/// A socket read timeout surfaces as WouldBlock on Unix, TimedOut elsewhere.
pub(super) fn is_timeout(error: &(dyn StdError + 'static)) -> bool {
    let kind = find_io_error(error).map(io::Error::kind);
    matches!(
        kind,
        Some(io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
    )
}

/// `error` and the errors under it, outermost first.
fn chain<'e>(
    error: &'e (dyn StdError + 'static),
) -> impl Iterator<Item = &'e (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |&e| e.source())
}

pub(super) fn find_io_error<'e>(error: &'e (dyn StdError + 'static)) -> Option<&'e io::Error> {
    chain(error).filter_map(|e| e.downcast_ref()).last()
}

/// rustls reports handshake failures as an `io::Error` wrapping its own error; the
/// io error's `source()` skips the wrapped value, so it is looked at explicitly.
pub(super) fn find_rustls_error<'e>(
    error: &'e (dyn StdError + 'static),
) -> Option<&'e rustls::Error> {
    chain(error).find_map(|e| {
        let wrapped = || e.downcast_ref::<io::Error>()?.get_ref()?.downcast_ref();
        e.downcast_ref().or_else(wrapped)
    })
}
