//! Hands a built message to the mail system: an SMTP server (STARTTLS, implicit TLS or,
//! on loopback only, plain) or a local sendmail program.
//!
//! The SMTP conversation is driven step by step with lettre's `SmtpConnection` rather
//! than `SmtpTransport`, so that every failure knows where it happened (connect,
//! STARTTLS, AUTH, a given recipient, the message body) and can be worded for the
//! person reading it, and so that credentials are only ever sent after this code itself
//! has seen the connection encrypted.
//!
//! The retry policy lives here because it is the one thing `send` and `probe` share
//! once a session is prepared; the conversation itself is in `session`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use lettre::Message;
use lettre::transport::smtp::client::SmtpConnection;

use crate::config::{SmtpSettings, Transport};

mod deadline;
mod error;
mod failure;
mod password;
mod sendmail;
mod session;
mod tls;

pub use error::{DeliveryError, PasswordError, Step};
pub use password::{check_password, permission_warning};

use deadline::{Deadline, Stopped, Watch};
use error::Failure;
use session::Session;

/// Attempts per delivery, the first included.
const ATTEMPTS: u32 = 3;

/// A recipient the server would not take, and its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub recipient: String,
    /// The server's reply, code first: `550 5.1.1 No such user`.
    pub reply: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.recipient, self.reply)
    }
}

/// The mail system has taken the message. Over SMTP the connection is still open:
/// [`Accepted::close`] sends QUIT, after the caller has recorded the delivery, so a
/// server slow to answer QUIT never stands between acceptance and the record.
pub struct Accepted {
    /// Recipients refused while the others were accepted.
    pub refused: Vec<Refused>,
    /// How many recipients it was accepted for.
    pub delivered_to: usize,
    open: Option<(SmtpConnection, Deadline)>,
}

impl fmt::Debug for Accepted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accepted")
            .field("refused", &self.refused)
            .field("delivered_to", &self.delivered_to)
            .field("open", &self.open.is_some())
            .finish()
    }
}

impl Accepted {
    /// Ends the conversation politely, within what is left of the deadline. Dropping
    /// an `Accepted` does the same.
    pub fn close(self) {
        drop(self);
    }
}

impl Drop for Accepted {
    fn drop(&mut self) {
        if let Some((mut conn, deadline)) = self.open.take() {
            let remaining = deadline.remaining();
            if !remaining.is_zero() && conn.set_timeout(Some(remaining)).is_ok() {
                let _ = conn.quit();
            }
        }
    }
}

/// Sends via the configured transport (SMTP or sendmail).
///
/// Transient SMTP failures (connection refused or reset, timeouts, 4xx replies) are
/// retried up to 3 attempts in all, with short pauses; `settings.timeout` is one
/// deadline for all of it. Permanent ones (5xx, refused credentials, TLS problems)
/// fail at once. A message whose body was sent but never confirmed is not sent again:
/// it may have been delivered.
pub fn send(settings: &SmtpSettings, message: &Message) -> Result<Accepted, DeliveryError> {
    match &settings.transport {
        Transport::Sendmail { path } => {
            sendmail::send(path.as_deref(), message)?;
            Ok(Accepted {
                refused: Vec::new(),
                delivered_to: message.envelope().to().len(),
                open: None,
            })
        }
        Transport::Smtp => {
            let body: Arc<[u8]> = message.formatted().into();
            let envelope = message.envelope().clone();
            let recipients = envelope.to().len();
            let (handed, session, deadline) =
                converse(settings, move |session, watch, deadline| {
                    session.deliver(watch, deadline, &envelope, &body)
                })?;
            let delivered_to = recipients - handed.refused.len();
            log::info!(
                "{} accepted the digest for {delivered_to} recipient(s)",
                session.server,
            );
            Ok(Accepted {
                refused: handed.refused,
                delivered_to,
                open: Some((handed.conn, deadline)),
            })
        }
    }
}

/// Connects, negotiates TLS and authenticates without sending anything (for
/// `feedletter check --smtp`). For sendmail, checks that the program can be found.
pub fn probe(settings: &SmtpSettings) -> Result<(), DeliveryError> {
    match &settings.transport {
        Transport::Sendmail { path } => sendmail::probe(path.as_deref()),
        Transport::Smtp => converse(settings, |session, watch, deadline| {
            session.probe(watch, deadline)
        })
        .map(drop),
    }
}

/// Prepares the session and runs `work` on it, each attempt on a worker thread that is
/// waited for until the one deadline they all share.
fn converse<T: Send + 'static>(
    settings: &SmtpSettings,
    work: impl Fn(&Session, &Watch, &Deadline) -> Result<T, Failure> + Send + Sync + 'static,
) -> Result<(T, Arc<Session>, Deadline), DeliveryError> {
    let deadline = Deadline::new(settings.timeout);
    let session = Arc::new(Session::new(settings)?);
    let work = Arc::new(work);
    let value = with_retries(deadline, || {
        let (worker, work) = (Arc::clone(&session), Arc::clone(&work));
        let outcome = deadline::within(deadline, move |watch| work(&worker, watch, &deadline));
        outcome.map_err(|stopped| match stopped {
            Stopped::Failed(failure) => failure,
            Stopped::TimedOut(step) => session.timed_out(step, &deadline),
            Stopped::Lost(reason) => session.network(Step::Connect, reason, false),
        })
    })?;
    Ok((value, session, deadline))
}

/// Runs `attempt` until it succeeds, fails permanently, or the attempts or the
/// deadline run out. Every attempt shares the one deadline.
fn with_retries<T>(
    deadline: Deadline,
    mut attempt: impl FnMut() -> Result<T, Failure>,
) -> Result<T, DeliveryError> {
    let budget = deadline.budget;
    let mut n = 1;
    loop {
        match attempt() {
            Ok(value) => return Ok(value),
            Err(mut failure) => {
                failure.error.set_attempts(n);
                if !failure.retry || n >= ATTEMPTS {
                    return Err(failure.error);
                }
                // Short and growing: a server restarting or briefly overloaded gets a
                // moment, and three tries stay well inside the budget.
                let pause = (budget / 10).min(Duration::from_secs(1)) * n;
                let remaining = deadline.remaining().saturating_sub(pause);
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
                n += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection refused: worth trying again.
    fn refused(server: &str) -> Failure {
        let reason = "connection refused".into();
        let (server, attempts) = (server.into(), 1);
        let error = DeliveryError::Connect {
            server,
            reason,
            attempts,
        };
        Failure { error, retry: true }
    }

    #[test]
    fn retries_stop_at_the_attempt_limit() {
        let mut calls = 0;
        let result: Result<(), _> = with_retries(Deadline::new(Duration::from_millis(500)), || {
            calls += 1;
            Err(refused("127.0.0.1:1"))
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
        let result: Result<(), _> = with_retries(Deadline::new(Duration::from_millis(500)), || {
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
    fn no_attempt_starts_once_the_deadline_is_nearly_spent() {
        let deadline = Deadline::new(Duration::from_millis(400));
        let mut calls = 0;
        let started = std::time::Instant::now();
        let _: Result<(), _> = with_retries(deadline, || {
            calls += 1;
            std::thread::sleep(Duration::from_millis(350));
            Err(refused("s"))
        });
        assert_eq!(
            calls, 1,
            "350ms spent, 40ms pause: under a tenth of the budget left"
        );
        assert!(started.elapsed() < Duration::from_millis(450));
    }
}
