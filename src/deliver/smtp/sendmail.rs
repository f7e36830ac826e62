//! Delivery through a local sendmail program. Its failures carry no SMTP step or reply,
//! only the program and what it printed, so it needs none of the session machinery.

use std::error::Error as StdError;
use std::path::Path;

use lettre::{Message, SendmailTransport, Transport as _};

use super::DeliveryError;
use super::error::find_io_error;

pub(super) fn send(path: Option<&Path>, message: &Message) -> Result<(), DeliveryError> {
    let (transport, program) = match path {
        Some(path) => (
            SendmailTransport::new_with_command(path),
            path.display().to_string(),
        ),
        None => (SendmailTransport::new(), "sendmail".to_string()),
    };
    transport.send(message).map_err(|e| {
        let detail = e.source().unwrap_or(&e).to_string();
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

pub(super) fn probe(path: Option<&Path>) -> Result<(), DeliveryError> {
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    let (found, program, reason) = match path {
        Some(path) => (
            is_executable(path),
            path.display().to_string(),
            "no executable file at that path (smtp.sendmail_path)".to_string(),
        ),
        // cron's PATH usually lacks /usr/sbin, where sendmail lives.
        None => (
            std::env::split_paths(&path_var).any(|dir| is_executable(&dir.join("sendmail"))),
            "sendmail".to_string(),
            format!(
                "not found in PATH ({}); set smtp.sendmail_path, e.g. /usr/sbin/sendmail",
                path_var.to_string_lossy()
            ),
        ),
    };
    match found {
        true => Ok(()),
        false => Err(DeliveryError::Sendmail { program, reason }),
    }
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;
    #[cfg(unix)]
    let runnable = |meta: &std::fs::Metadata| meta.permissions().mode() & 0o111 != 0;
    #[cfg(not(unix))]
    let runnable = |_: &std::fs::Metadata| true;
    std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && runnable(&meta))
}
