//! Hands a built message to the mail system: an SMTP server (STARTTLS, implicit TLS or,
//! on loopback only, plain) or a local sendmail program.
//!
//! The SMTP conversation is driven step by step with lettre's `SmtpConnection` rather
//! than `SmtpTransport`, so that every failure knows where it happened (connect,
//! STARTTLS, AUTH, a given recipient, the message body) and can be worded for the
//! person reading it, and so that credentials are only ever sent after this code itself
//! has seen the connection encrypted.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::{Message, SendmailTransport, Transport as _};

use crate::config::{PasswordSource, Security, SmtpSettings, Transport};

/// Attempts per delivery, the first included.
const ATTEMPTS: u32 = 3;

/// What feedletter can authenticate with, in order of preference.
const MECHANISMS: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];

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

    fn set_attempts(&mut self, n: u32) {
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
    if attempts > 1 {
        format!(" (tried {attempts} times)")
    } else {
        String::new()
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

/// Sends via the configured transport (SMTP or sendmail).
///
/// Transient SMTP failures (connection refused or reset, timeouts, 4xx replies) are
/// retried up to 3 attempts in all, with short pauses, all within `settings.timeout`;
/// permanent ones (5xx, refused credentials, TLS problems) fail at once. A message whose
/// body was sent but never confirmed is not sent again: it may have been delivered.
pub fn send(settings: &SmtpSettings, message: &Message) -> Result<(), DeliveryError> {
    match &settings.transport {
        Transport::Sendmail { path } => send_with_sendmail(path.as_deref(), message),
        Transport::Smtp => {
            let session = Session::new(settings)?;
            let body = message.formatted();
            with_retries(settings.timeout, |timeout| {
                session.deliver(timeout, message.envelope(), &body)
            })?;
            log::info!(
                "{} accepted the digest for {} recipient(s)",
                session.server,
                message.envelope().to().len()
            );
            Ok(())
        }
    }
}

/// Connects, negotiates TLS and authenticates without sending anything (for
/// `feedletter check --smtp`). For sendmail, checks that the program can be found.
pub fn probe(settings: &SmtpSettings) -> Result<(), DeliveryError> {
    match &settings.transport {
        Transport::Sendmail { path } => probe_sendmail(path.as_deref()),
        Transport::Smtp => {
            let session = Session::new(settings)?;
            with_retries(settings.timeout, |timeout| session.probe(timeout))
        }
    }
}

/// An attempt's failure, and whether trying again could help.
struct Failure {
    error: DeliveryError,
    retry: bool,
}

impl Failure {
    fn permanent(error: DeliveryError) -> Self {
        Failure {
            error,
            retry: false,
        }
    }
}

/// Runs `attempt` until it succeeds, fails permanently, or the attempts or the time
/// budget run out. The first attempt gets the whole budget as its per-operation
/// timeout; later ones only what is left, so a retry never stretches the run much
/// beyond `budget`.
fn with_retries<T>(
    budget: Duration,
    mut attempt: impl FnMut(Duration) -> Result<T, Failure>,
) -> Result<T, DeliveryError> {
    let start = Instant::now();
    let mut n = 1;
    let mut timeout = budget;
    loop {
        match attempt(timeout) {
            Ok(value) => return Ok(value),
            Err(mut failure) => {
                failure.error.set_attempts(n);
                if !failure.retry || n >= ATTEMPTS {
                    return Err(failure.error);
                }
                // Short and growing: a server restarting or briefly overloaded gets a
                // moment, and three tries stay well inside the budget.
                let pause = (budget / 10).min(Duration::from_secs(1)) * n;
                let remaining = budget.saturating_sub(start.elapsed() + pause);
                // Not worth starting an attempt that could not even finish a handshake.
                if remaining < budget / 10 {
                    return Err(failure.error);
                }
                log::warn!(
                    "{}; trying again in {}",
                    failure.error,
                    humantime::format_duration(pause)
                );
                std::thread::sleep(pause);
                timeout = remaining;
                n += 1;
            }
        }
    }
}

/// The SMTP password, kept out of Debug output.
struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Reads the password from its source; a trailing line ending in a file is not part of it.
fn read_password(source: &PasswordSource) -> Result<Password, PasswordError> {
    read_password_with(source, |name| std::env::var_os(name))
}

fn read_password_with(
    source: &PasswordSource,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<Password, PasswordError> {
    let (value, origin) = match source {
        PasswordSource::Env(name) => {
            let value = env(name)
                .ok_or_else(|| PasswordError::EnvMissing { name: name.clone() })?
                .into_string()
                .map_err(|_| PasswordError::EnvNotUnicode { name: name.clone() })?;
            (value, format!("variable {name}"))
        }
        PasswordSource::File(path) => {
            let mut value =
                std::fs::read_to_string(path).map_err(|source| PasswordError::File {
                    path: path.clone(),
                    source,
                })?;
            // Editors and `echo` add a final newline; passwords may end in spaces.
            let trimmed = value.trim_end_matches(['\n', '\r']).len();
            value.truncate(trimmed);
            (value, format!("file {}", path.display()))
        }
    };
    if value.is_empty() {
        return Err(PasswordError::Empty { origin });
    }
    Ok(Password(value))
}

struct Login {
    user: String,
    password: Password,
}

/// Everything needed to talk to one SMTP server, prepared once per send so that
/// configuration problems (password, CA file) fail before any connection is made.
struct Session<'a> {
    settings: &'a SmtpSettings,
    /// `host:port`, as errors show it.
    server: String,
    /// The host as a socket address wants it: no IPv6 brackets.
    host: String,
    tls: Option<TlsParameters>,
    login: Option<Login>,
    hello: ClientId,
}

impl<'a> Session<'a> {
    fn new(settings: &'a SmtpSettings) -> Result<Self, DeliveryError> {
        let host = settings.host.trim_matches(['[', ']']).to_string();
        let server = if host.contains(':') {
            format!("[{host}]:{}", settings.port)
        } else {
            format!("{host}:{}", settings.port)
        };
        let login = match (&settings.username, &settings.password) {
            (Some(user), Some(source)) => Some(Login {
                user: user.clone(),
                password: read_password(source)?,
            }),
            (Some(user), None) => {
                return Err(PasswordError::NoSource { user: user.clone() }.into());
            }
            (None, _) => None,
        };
        let tls = match settings.security {
            Security::None => None,
            Security::Starttls | Security::Tls => Some(tls_parameters(settings, &host, &server)?),
        };
        Ok(Session {
            settings,
            server,
            host,
            tls,
            login,
            hello: ClientId::default(),
        })
    }

    /// Connected, encrypted as configured, and authenticated if there are credentials.
    fn open(&self, timeout: Duration) -> Result<SmtpConnection, Failure> {
        let wrapper = match self.settings.security {
            Security::Tls => self.tls.as_ref(),
            Security::Starttls | Security::None => None,
        };
        log::debug!(
            "connecting to {} ({:?})",
            self.server,
            self.settings.security
        );
        let mut conn = SmtpConnection::connect(
            (self.host.as_str(), self.settings.port),
            Some(timeout),
            &self.hello,
            wrapper,
            None,
        )
        .map_err(|e| self.failure(Step::Connect, &e, timeout))?;

        if self.settings.security == Security::Starttls {
            // Tls::Required semantics, checked here so the refusal is explicit: a
            // server (or a man in the middle) that hides STARTTLS gets nothing.
            if !conn.can_starttls() {
                conn.abort();
                return Err(Failure::permanent(DeliveryError::NoStarttls {
                    server: self.server.clone(),
                    credentials: self.login.is_some(),
                }));
            }
            if let Some(tls) = &self.tls
                && let Err(e) = conn.starttls(tls, &self.hello)
            {
                return Err(self.give_up(conn, Step::StartTls, &e, timeout));
            }
        }

        if let Some(login) = &self.login {
            // Defence in depth: config refuses credentials with `security: none`, and
            // here AUTH is never sent unless this connection is actually encrypted.
            if !conn.is_encrypted() {
                conn.abort();
                return Err(Failure::permanent(DeliveryError::CleartextCredentials {
                    server: self.server.clone(),
                }));
            }
            if conn.server_info().get_auth_mechanism(&MECHANISMS).is_none() {
                conn.abort();
                return Err(Failure::permanent(DeliveryError::NoAuthMechanism {
                    server: self.server.clone(),
                    user: login.user.clone(),
                }));
            }
            let credentials = Credentials::new(login.user.clone(), login.password.0.clone());
            if let Err(e) = conn.auth(&MECHANISMS, &credentials) {
                return Err(self.give_up(conn, Step::Auth, &e, timeout));
            }
        }
        Ok(conn)
    }

    fn deliver(&self, timeout: Duration, envelope: &Envelope, body: &[u8]) -> Result<(), Failure> {
        let mut conn = self.open(timeout)?;

        let mut parameters = Vec::new();
        let non_ascii_address = envelope
            .from()
            .into_iter()
            .chain(envelope.to())
            .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
        if non_ascii_address {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                conn.abort();
                return Err(Failure::permanent(DeliveryError::Unsupported {
                    server: self.server.clone(),
                    extension: "SMTPUTF8",
                    needed_for: "an address with non-ASCII characters needs",
                }));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !body.is_ascii() {
            if !conn.server_info().supports_feature(Extension::EightBitMime) {
                conn.abort();
                return Err(Failure::permanent(DeliveryError::Unsupported {
                    server: self.server.clone(),
                    extension: "8BITMIME",
                    needed_for: "the message body needs",
                }));
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }

        let sender = envelope.from().cloned();
        let sender_step = Step::Sender(sender.as_ref().map(|a| a.to_string()).unwrap_or_default());
        if let Err(e) = conn.command(Mail::new(sender, parameters)) {
            return Err(self.give_up(conn, sender_step, &e, timeout));
        }
        for recipient in envelope.to() {
            if let Err(e) = conn.command(Rcpt::new(recipient.clone(), Vec::new())) {
                return Err(self.give_up(
                    conn,
                    Step::Recipient(recipient.to_string()),
                    &e,
                    timeout,
                ));
            }
        }
        if let Err(e) = conn.command(Data) {
            return Err(self.give_up(conn, Step::Data, &e, timeout));
        }
        if let Err(e) = conn.message(body) {
            return Err(self.give_up(conn, Step::Message, &e, timeout));
        }
        // Accepted: whatever happens to QUIT no longer matters.
        let _ = conn.quit();
        Ok(())
    }

    fn probe(&self, timeout: Duration) -> Result<(), Failure> {
        let mut conn = self.open(timeout)?;
        // NOOP proves the server still talks to us after AUTH; some answer AUTH and
        // then drop the connection.
        if !conn.test_connected() {
            return Err(Failure {
                error: DeliveryError::Network {
                    server: self.server.clone(),
                    step: Step::Noop,
                    reason: "the server stopped answering after the handshake".into(),
                    attempts: 1,
                },
                retry: true,
            });
        }
        let _ = conn.quit();
        Ok(())
    }

    /// Ends the conversation after `error`: politely (QUIT) when the server answered,
    /// by dropping the socket when it did not, so a dead server is not waited on twice.
    fn give_up(
        &self,
        mut conn: SmtpConnection,
        step: Step,
        error: &SmtpError,
        timeout: Duration,
    ) -> Failure {
        if error.status().is_some() {
            conn.abort();
        }
        self.failure(step, error, timeout)
    }

    /// Turns a lettre error into one a person can act on, and decides whether it is
    /// worth trying again.
    fn failure(&self, step: Step, error: &SmtpError, timeout: Duration) -> Failure {
        let server = self.server.clone();
        if let Some(code) = error.status() {
            let code = u16::from(code);
            let reply = self.scrub(&reply_text(error));
            let transient = error.is_transient();
            if step == Step::Auth && !transient {
                let user = self
                    .login
                    .as_ref()
                    .map(|l| l.user.clone())
                    .unwrap_or_default();
                return Failure::permanent(DeliveryError::Auth {
                    server,
                    user,
                    reply: format!("{code} {reply}").trim_end().to_string(),
                });
            }
            return Failure {
                error: DeliveryError::Rejected {
                    server,
                    step,
                    code,
                    reply,
                    attempts: 1,
                },
                retry: transient,
            };
        }
        if let Some(reason) = self.tls_problem(error) {
            return Failure::permanent(DeliveryError::Tls { server, reason });
        }
        let reason = self.scrub(&describe(error));
        if step == Step::Message {
            // The body (maybe with its final dot) went out and no verdict came back:
            // sending again could deliver it twice.
            return Failure::permanent(DeliveryError::Unconfirmed { server, reason });
        }
        if is_timeout(error) {
            return Failure {
                error: DeliveryError::Timeout {
                    server,
                    step,
                    after: timeout,
                    attempts: 1,
                },
                retry: true,
            };
        }
        if error.is_client() {
            return Failure::permanent(DeliveryError::Network {
                server,
                step,
                reason,
                attempts: 1,
            });
        }
        let error = if step == Step::Connect {
            DeliveryError::Connect {
                server,
                reason,
                attempts: 1,
            }
        } else {
            DeliveryError::Network {
                server,
                step,
                reason,
                attempts: 1,
            }
        };
        Failure { error, retry: true }
    }

    /// A TLS failure, with a hint at the likely fix.
    fn tls_problem(&self, error: &SmtpError) -> Option<String> {
        let rustls_error = find_rustls_error(error);
        if rustls_error.is_none() && !error.is_tls() {
            return None;
        }
        let Some(tls) = rustls_error else {
            return Some(self.scrub(&describe(error)));
        };
        let hint = match tls {
            rustls::Error::InvalidCertificate(cert) => match cert {
                rustls::CertificateError::UnknownIssuer
                | rustls::CertificateError::BadSignature => {
                    " (the certificate is not signed by a trusted authority; if the server uses a private CA or a self-signed certificate, point smtp.ca_file at its PEM file)".to_string()
                }
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. } => format!(
                    " (the certificate is not issued for {}; check smtp.host)",
                    self.host
                ),
                rustls::CertificateError::Expired
                | rustls::CertificateError::ExpiredContext { .. } => {
                    " (the server's certificate has expired)".to_string()
                }
                _ => String::new(),
            },
            rustls::Error::InvalidMessage(_) if self.settings.security == Security::Tls => {
                format!(
                    " (the server did not answer with TLS: port {} may expect `security: starttls` rather than implicit TLS)",
                    self.settings.port
                )
            }
            _ => String::new(),
        };
        Some(format!("{tls}{hint}"))
    }

    /// Removes the password from text a server sent back, in case it echoes it.
    fn scrub(&self, text: &str) -> String {
        match &self.login {
            Some(login) if !login.password.0.is_empty() => {
                text.replace(login.password.0.as_str(), "<password>")
            }
            _ => text.to_string(),
        }
    }
}

fn tls_parameters(
    settings: &SmtpSettings,
    host: &str,
    server: &str,
) -> Result<TlsParameters, DeliveryError> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(path) = &settings.ca_file {
        let pem = std::fs::read(path).map_err(|e| DeliveryError::CaFile {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        // lettre accepts a file with no certificate in it, which would silently trust
        // nothing extra.
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(DeliveryError::CaFile {
                path: path.clone(),
                reason: "contains no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
            });
        }
        let certificate = Certificate::from_pem(&pem).map_err(|_| DeliveryError::CaFile {
            path: path.clone(),
            reason: "not a valid PEM certificate file".into(),
        })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(|e| DeliveryError::Tls {
        server: server.to_string(),
        reason: describe(&e),
    })
}

/// The text of the server's reply, without lettre's "permanent error (550):" prefix.
fn reply_text(error: &SmtpError) -> String {
    error
        .source()
        .map(|s| s.to_string())
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The innermost I/O error, in words, or lettre's own description.
fn describe(error: &(dyn StdError + 'static)) -> String {
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
    let text = match error.source() {
        Some(source) => source.to_string(),
        None => error.to_string(),
    };
    if text == "incomplete response" {
        // lettre's wording for an EOF where a reply was expected.
        "the server closed the connection".into()
    } else {
        text
    }
}

fn is_timeout(error: &(dyn StdError + 'static)) -> bool {
    // A socket read timeout surfaces as WouldBlock on Unix, TimedOut elsewhere.
    find_io_error(error).is_some_and(|e| {
        matches!(
            e.kind(),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        )
    })
}

fn find_io_error<'e>(error: &'e (dyn StdError + 'static)) -> Option<&'e io::Error> {
    let mut current = Some(error);
    let mut found = None;
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            found = Some(io);
        }
        current = e.source();
    }
    found
}

/// rustls reports handshake failures as an `io::Error` wrapping its own error; the
/// io error's `source()` skips the wrapped value, so it is looked at explicitly.
fn find_rustls_error<'e>(error: &'e (dyn StdError + 'static)) -> Option<&'e rustls::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(tls) = e
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(tls);
        }
        current = e.source();
    }
    None
}

fn send_with_sendmail(path: Option<&Path>, message: &Message) -> Result<(), DeliveryError> {
    let (transport, program) = match path {
        Some(path) => (
            SendmailTransport::new_with_command(path),
            path.display().to_string(),
        ),
        None => (SendmailTransport::new(), "sendmail".to_string()),
    };
    transport.send(message).map_err(|e| {
        let detail = e
            .source()
            .map(|s| s.to_string())
            .unwrap_or_else(|| e.to_string());
        let reason = if e.is_client() && find_io_error(&e).is_some() {
            format!("cannot run it: {detail}")
        } else if detail.trim().is_empty() {
            "it exited with an error and printed nothing".to_string()
        } else {
            detail.trim().to_string()
        };
        DeliveryError::Sendmail {
            program: program.clone(),
            reason,
        }
    })?;
    log::info!("handed the digest to {program}");
    Ok(())
}

fn probe_sendmail(path: Option<&Path>) -> Result<(), DeliveryError> {
    match path {
        Some(path) => {
            if is_executable(path) {
                Ok(())
            } else {
                Err(DeliveryError::Sendmail {
                    program: path.display().to_string(),
                    reason: "no executable file at that path (smtp.sendmail_path)".into(),
                })
            }
        }
        None => {
            let path_var = std::env::var_os("PATH").unwrap_or_default();
            if std::env::split_paths(&path_var).any(|dir| is_executable(&dir.join("sendmail"))) {
                Ok(())
            } else {
                // cron's PATH usually lacks /usr/sbin, where sendmail lives.
                Err(DeliveryError::Sendmail {
                    program: "sendmail".into(),
                    reason: format!(
                        "not found in PATH ({}); set smtp.sendmail_path, e.g. /usr/sbin/sendmail",
                        path_var.to_string_lossy()
                    ),
                })
            }
        }
    }
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn password_from_env_is_taken_verbatim() {
        let source = PasswordSource::Env("FEEDLETTER_TEST_PW".into());
        let pw = read_password_with(&source, |name| {
            (name == "FEEDLETTER_TEST_PW").then(|| OsString::from("s3cret \n"))
        })
        .expect("password");
        assert_eq!(pw.0, "s3cret \n");
        assert_eq!(format!("{pw:?}"), "Password(<redacted>)");
    }

    #[test]
    fn empty_password_is_refused_by_name() {
        let source = PasswordSource::Env("FEEDLETTER_TEST_PW".into());
        let err = read_password_with(&source, |_| Some(OsString::new())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the SMTP password from variable FEEDLETTER_TEST_PW is empty"
        );
    }

    #[test]
    fn retries_stop_at_the_attempt_limit() {
        let mut calls = 0;
        let result: Result<(), _> = with_retries(Duration::from_millis(500), |_| {
            calls += 1;
            Err(Failure {
                error: DeliveryError::Connect {
                    server: "127.0.0.1:1".into(),
                    reason: "connection refused".into(),
                    attempts: 1,
                },
                retry: true,
            })
        });
        assert_eq!(calls, ATTEMPTS);
        assert_eq!(
            result.unwrap_err().to_string(),
            "cannot connect to 127.0.0.1:1: connection refused (tried 3 times)"
        );
    }

    #[test]
    fn permanent_failures_are_not_retried() {
        let mut calls = 0;
        let result: Result<(), _> = with_retries(Duration::from_millis(500), |_| {
            calls += 1;
            Err(Failure::permanent(DeliveryError::Tls {
                server: "x:465".into(),
                reason: "bad".into(),
            }))
        });
        assert_eq!(calls, 1);
        assert!(result.is_err());
    }

    #[test]
    fn later_attempts_get_only_the_remaining_budget() {
        let budget = Duration::from_millis(400);
        let mut timeouts = Vec::new();
        let _: Result<(), _> = with_retries(budget, |t| {
            timeouts.push(t);
            Err(Failure {
                error: DeliveryError::Connect {
                    server: "s".into(),
                    reason: "r".into(),
                    attempts: 1,
                },
                retry: true,
            })
        });
        assert_eq!(timeouts[0], budget);
        assert!(timeouts[1..].iter().all(|t| *t < budget));
    }
}
