//! One SMTP conversation, step by step over lettre's `SmtpConnection`: connect, TLS,
//! AUTH, envelope and body, with each lettre error turned into a `Failure` that says
//! where it happened and whether another attempt could help.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use super::error::{describe, find_rustls_error, is_timeout, reply_text};
use super::password::{Password, read_password};
use super::{DeliveryError, Failure, PasswordError, Step};
use crate::config::{Security, SmtpSettings};

/// What feedletter can authenticate with, in order of preference.
const MECHANISMS: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];

struct Login {
    user: String,
    password: Password,
}

/// Everything needed to talk to one SMTP server, prepared once per send so that
/// configuration problems (password, CA file) fail before any connection is made.
pub(super) struct Session<'a> {
    settings: &'a SmtpSettings,
    /// `host:port`, as errors show it.
    pub(super) server: String,
    /// The host as a socket address wants it: no IPv6 brackets.
    host: String,
    tls: Option<TlsParameters>,
    login: Option<Login>,
    hello: ClientId,
}

impl<'a> Session<'a> {
    pub(super) fn new(settings: &'a SmtpSettings) -> Result<Self, DeliveryError> {
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

    pub(super) fn deliver(
        &self,
        timeout: Duration,
        envelope: &Envelope,
        body: &[u8],
    ) -> Result<(), Failure> {
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

    pub(super) fn probe(&self, timeout: Duration) -> Result<(), Failure> {
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
