//! One SMTP conversation, step by step over lettre's `SmtpConnection`: connect, TLS,
//! AUTH, envelope and body. Each step starts with what is left of the deadline on the
//! socket; how a lettre error becomes a `Failure` is in `failure`.

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use super::deadline::{Deadline, Watch};
use super::error::reply_text;
use super::password::{Password, read_password};
use super::tls::{check_pin, tls_parameters};
use super::{DeliveryError, Failure, PasswordError, Refused, Step};
use crate::config::{Security, SmtpSettings};

/// What feedletter can authenticate with, in order of preference.
const MECHANISMS: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];

pub(super) struct Login {
    pub(super) user: String,
    pub(super) password: Password,
}

/// Everything needed to talk to one SMTP server, prepared once per send so that
/// configuration problems (password, CA file) fail before any connection is made.
/// It owns its settings: the conversation runs on a worker thread (see `deadline`).
pub(super) struct Session {
    pub(super) settings: SmtpSettings,
    /// `host:port`, as errors show it.
    pub(super) server: String,
    /// The host as a socket address wants it: no IPv6 brackets.
    pub(super) host: String,
    tls: Option<TlsParameters>,
    pub(super) login: Option<Login>,
    hello: ClientId,
}

/// The server answered 250 to the end of the message; the connection is still open for
/// QUIT, which the caller sends once the delivery is recorded.
pub(super) struct Handed {
    pub(super) conn: SmtpConnection,
    pub(super) refused: Vec<Refused>,
}

impl Session {
    pub(super) fn new(settings: &SmtpSettings) -> Result<Self, DeliveryError> {
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
            settings: settings.clone(),
            server,
            host,
            tls,
            login,
            hello: ClientId::default(),
        })
    }

    /// Starts `step` with what is left of the deadline on the socket, unless the caller
    /// has given up or there is no time left.
    fn begin(
        &self,
        watch: &Watch,
        deadline: &Deadline,
        conn: &mut SmtpConnection,
        step: Step,
    ) -> Result<(), Failure> {
        // Out of time, the socket is just dropped: a polite QUIT would wait once more.
        let remaining = deadline.remaining();
        if remaining.is_zero() || !watch.begin(step.clone()) {
            return Err(self.timed_out(step, deadline));
        }
        conn.set_timeout(Some(remaining))
            .map_err(|e| self.io_failure(step, &e))
    }

    /// Connected, encrypted as configured, and authenticated if there are credentials.
    fn open(&self, watch: &Watch, deadline: &Deadline) -> Result<SmtpConnection, Failure> {
        let wrapper = match self.settings.security {
            Security::Tls => self.tls.as_ref(),
            Security::Starttls | Security::None => None,
        };
        log::debug!(
            "connecting to {} ({:?})",
            self.server,
            self.settings.security
        );
        let remaining = deadline.remaining();
        if remaining.is_zero() || !watch.begin(Step::Connect) {
            return Err(self.timed_out(Step::Connect, deadline));
        }
        let mut conn = SmtpConnection::connect(
            (self.host.as_str(), self.settings.port),
            Some(remaining),
            &self.hello,
            wrapper,
            None,
        )
        .map_err(|e| self.failure(Step::Connect, &e, deadline))?;

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
            self.begin(watch, deadline, &mut conn, Step::StartTls)?;
            if let Some(tls) = &self.tls
                && let Err(e) = conn.starttls(tls, &self.hello)
            {
                return Err(self.give_up(conn, Step::StartTls, &e, deadline));
            }
        }
        if let Some(reason) = check_pin(&self.settings, &conn) {
            conn.abort();
            return Err(Failure::permanent(DeliveryError::Tls {
                server: self.server.clone(),
                reason,
            }));
        }
        if let Some(login) = &self.login {
            self.authenticate(watch, deadline, &mut conn, login)?;
        }
        Ok(conn)
    }

    fn authenticate(
        &self,
        watch: &Watch,
        deadline: &Deadline,
        conn: &mut SmtpConnection,
        login: &Login,
    ) -> Result<(), Failure> {
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
        self.begin(watch, deadline, conn, Step::Auth)?;
        let credentials = Credentials::new(login.user.clone(), login.password.0.clone());
        conn.auth(&MECHANISMS, &credentials).map(drop).map_err(|e| {
            if e.status().is_some() {
                conn.abort();
            }
            self.failure(Step::Auth, &e, deadline)
        })
    }

    /// The MAIL parameters the message needs, if the server supports them.
    fn mail_parameters(
        &self,
        conn: &mut SmtpConnection,
        envelope: &Envelope,
        body: &[u8],
    ) -> Result<Vec<MailParameter>, Failure> {
        let mut parameters = Vec::new();
        let non_ascii_address = envelope
            .from()
            .into_iter()
            .chain(envelope.to())
            .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
        let needs = [
            (
                non_ascii_address,
                Extension::SmtpUtfEight,
                MailParameter::SmtpUtfEight,
                "SMTPUTF8",
                "an address with non-ASCII characters needs",
            ),
            (
                !body.is_ascii(),
                Extension::EightBitMime,
                MailParameter::Body(MailBodyParameter::EightBitMime),
                "8BITMIME",
                "the message body needs",
            ),
        ];
        for (needed, extension, parameter, name, needed_for) in needs {
            if !needed {
                continue;
            }
            if !conn.server_info().supports_feature(extension) {
                conn.abort();
                return Err(Failure::permanent(DeliveryError::Unsupported {
                    server: self.server.clone(),
                    extension: name,
                    needed_for,
                }));
            }
            parameters.push(parameter);
        }
        Ok(parameters)
    }

    /// Hands the message over and returns once the server has answered the end of it,
    /// leaving QUIT to the caller. Recipients the server refuses are left out and
    /// listed, as long as one recipient is accepted.
    pub(super) fn deliver(
        &self,
        watch: &Watch,
        deadline: &Deadline,
        envelope: &Envelope,
        body: &[u8],
    ) -> Result<Handed, Failure> {
        let mut conn = self.open(watch, deadline)?;
        let parameters = self.mail_parameters(&mut conn, envelope, body)?;

        let sender = envelope.from().cloned();
        let sender_step = Step::Sender(sender.as_ref().map(|a| a.to_string()).unwrap_or_default());
        self.begin(watch, deadline, &mut conn, sender_step.clone())?;
        if let Err(e) = conn.command(Mail::new(sender, parameters)) {
            return Err(self.give_up(conn, sender_step, &e, deadline));
        }
        let mut refused = Vec::new();
        let mut first_refusal = None;
        for recipient in envelope.to() {
            let step = Step::Recipient(recipient.to_string());
            self.begin(watch, deadline, &mut conn, step.clone())?;
            match conn.command(Rcpt::new(recipient.clone(), Vec::new())) {
                Ok(_) => {}
                // One address the server will not take must not keep the digest from
                // everyone else: it is left out and named.
                Err(e) if let Some(code) = e.status() => {
                    let reply = format!("{} {}", u16::from(code), reply_text(&e));
                    refused.push(Refused {
                        recipient: recipient.to_string(),
                        reply: self.scrub(reply.trim_end()),
                    });
                    first_refusal.get_or_insert((step, e));
                }
                Err(e) => return Err(self.give_up(conn, step, &e, deadline)),
            }
        }
        if refused.len() == envelope.to().len()
            && let Some((step, e)) = first_refusal
        {
            return Err(self.give_up(conn, step, &e, deadline));
        }
        self.begin(watch, deadline, &mut conn, Step::Data)?;
        if let Err(e) = conn.command(Data) {
            return Err(self.give_up(conn, Step::Data, &e, deadline));
        }
        self.begin(watch, deadline, &mut conn, Step::Message)?;
        if let Err(e) = conn.message(body) {
            return Err(self.give_up(conn, Step::Message, &e, deadline));
        }
        Ok(Handed { conn, refused })
    }

    pub(super) fn probe(&self, watch: &Watch, deadline: &Deadline) -> Result<(), Failure> {
        let mut conn = self.open(watch, deadline)?;
        self.begin(watch, deadline, &mut conn, Step::Noop)?;
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
}

#[cfg(test)]
mod tests;
