//! How a failed step becomes a `Failure`: worded for the person who has to act on it
//! (never with the password in it), and marked as worth another attempt or not.

use std::io;

use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::client::SmtpConnection;

use super::deadline::Deadline;
use super::error::{Failure, describe, find_rustls_error, is_timeout, reply_text};
use super::session::Session;
use super::tls::certificate_problem;
use super::{DeliveryError, Step};
use crate::config::Security;

impl Session {
    /// Ends the conversation after `error`: politely (QUIT) when the server answered,
    /// by dropping the socket when it did not, so a dead server is not waited on twice.
    pub(super) fn give_up(
        &self,
        mut conn: SmtpConnection,
        step: Step,
        error: &SmtpError,
        deadline: &Deadline,
    ) -> Failure {
        if error.status().is_some() {
            conn.abort();
        }
        self.failure(step, error, deadline)
    }

    /// The deadline passed during `step`. Once the message has gone out, silence is
    /// not a refusal: it may have been delivered, so it is not sent again.
    pub(super) fn timed_out(&self, step: Step, deadline: &Deadline) -> Failure {
        let after = deadline.budget;
        if step == Step::Message {
            let reason = format!("no answer within {}", humantime::format_duration(after));
            return self.unconfirmed(reason);
        }
        let server = self.server.clone();
        let error = DeliveryError::Timeout {
            server,
            step,
            after,
            attempts: 1,
        };
        Failure { error, retry: true }
    }

    /// The body (maybe with its final dot) went out and no verdict came back: sending
    /// again could deliver it twice.
    fn unconfirmed(&self, reason: String) -> Failure {
        let server = self.server.clone();
        Failure::permanent(DeliveryError::Unconfirmed { server, reason })
    }

    /// The connection failed with no reply from the server to go on.
    pub(super) fn network(&self, step: Step, reason: String, retry: bool) -> Failure {
        let server = self.server.clone();
        let error = if retry && step == Step::Connect {
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
        Failure { error, retry }
    }

    /// A local socket error (setting a timeout), worded like the network errors.
    pub(super) fn io_failure(&self, step: Step, error: &io::Error) -> Failure {
        self.network(step, error.to_string(), false)
    }

    /// Turns a lettre error into one a person can act on, and decides whether it is
    /// worth trying again.
    pub(super) fn failure(&self, step: Step, error: &SmtpError, deadline: &Deadline) -> Failure {
        let server = self.server.clone();
        if let Some(code) = error.status() {
            let (code, retry) = (u16::from(code), error.is_transient());
            let reply = self.scrub(&reply_text(error));
            if step == Step::Auth && !retry {
                let user = self.login.as_ref().map(|l| l.user.clone());
                let reply = format!("{code} {reply}").trim_end().to_string();
                let user = user.unwrap_or_default();
                return Failure::permanent(DeliveryError::Auth {
                    server,
                    user,
                    reply,
                });
            }
            let error = DeliveryError::Rejected {
                server,
                step,
                code,
                reply,
                attempts: 1,
            };
            return Failure { error, retry };
        }
        if let Some(reason) = self.tls_problem(error) {
            return Failure::permanent(DeliveryError::Tls { server, reason });
        }
        let reason = self.scrub(&describe(error));
        if step == Step::Message {
            self.unconfirmed(reason)
        } else if is_timeout(error) {
            self.timed_out(step, deadline)
        } else {
            self.network(step, reason, !error.is_client())
        }
    }

    /// A TLS failure, in plain words with a hint at the likely fix.
    fn tls_problem(&self, error: &SmtpError) -> Option<String> {
        let Some(tls) = find_rustls_error(error) else {
            return error.is_tls().then(|| self.scrub(&describe(error)));
        };
        Some(match tls {
            rustls::Error::InvalidCertificate(cert) => certificate_problem(cert, &self.host),
            rustls::Error::InvalidMessage(_) if self.settings.security == Security::Tls => {
                format!(
                    "{tls} (the server did not answer with TLS: port {} may expect `security: starttls` rather than implicit TLS)",
                    self.settings.port
                )
            }
            _ => tls.to_string(),
        })
    }

    /// Removes the password from text a server sent back, in case it echoes it.
    pub(super) fn scrub(&self, text: &str) -> String {
        match &self.login {
            Some(login) if !login.password.0.is_empty() => {
                text.replace(login.password.0.as_str(), "<password>")
            }
            _ => text.to_string(),
        }
    }
}
