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

use std::time::{Duration, Instant};

use lettre::Message;

use crate::config::{SmtpSettings, Transport};

mod error;
mod password;
mod sendmail;
mod session;

pub use error::{DeliveryError, PasswordError, Step};

use session::Session;

/// Attempts per delivery, the first included.
const ATTEMPTS: u32 = 3;

/// Sends via the configured transport (SMTP or sendmail).
///
/// Transient SMTP failures (connection refused or reset, timeouts, 4xx replies) are
/// retried up to 3 attempts in all, with short pauses, all within `settings.timeout`;
/// permanent ones (5xx, refused credentials, TLS problems) fail at once. A message whose
/// body was sent but never confirmed is not sent again: it may have been delivered.
pub fn send(settings: &SmtpSettings, message: &Message) -> Result<(), DeliveryError> {
    match &settings.transport {
        Transport::Sendmail { path } => sendmail::send(path.as_deref(), message),
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
        Transport::Sendmail { path } => sendmail::probe(path.as_deref()),
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

#[cfg(test)]
mod tests {
    use super::*;

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
