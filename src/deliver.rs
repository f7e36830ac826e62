//! The end of the pipeline: a rendered digest goes to a mail server, or — for a
//! preview — to stdout or a file, in the format the user asked for.

pub mod message;
pub mod preview;
pub mod smtp;

use chrono::{DateTime, Utc};

use crate::config::{DigestConfig, SmtpSettings};
use crate::render::RenderedDigest;

/// Builds the message for a rendered digest.
pub fn message_for(
    smtp: &SmtpSettings,
    digest: &DigestConfig,
    rendered: &RenderedDigest,
    now: DateTime<Utc>,
) -> Result<lettre::Message, smtp::DeliveryError> {
    message::build_message(
        &smtp.from,
        &message::OutgoingDigest {
            digest,
            subject: rendered.subject.clone(),
            text: rendered.text.clone(),
            html: rendered.html.clone(),
        },
        now,
    )
}

/// A digest the mail system has taken.
pub struct Delivered {
    pub message_id: Option<String>,
    /// Close it (QUIT) once the delivery is recorded.
    pub accepted: smtp::Accepted,
}

/// Sends a digest; returns once the server has accepted it, before QUIT.
pub fn deliver(
    smtp: &SmtpSettings,
    digest: &DigestConfig,
    rendered: &RenderedDigest,
    now: DateTime<Utc>,
) -> Result<Delivered, smtp::DeliveryError> {
    let message = message_for(smtp, digest, rendered, now)?;
    let message_id = message.headers().get_raw("Message-ID");
    Ok(Delivered {
        message_id: message_id.map(|id| id.trim().to_string()),
        accepted: smtp::send(smtp, &message)?,
    })
}
