//! What `run` can know is wrong from the config, the command line and the
//! environment alone, found before the first request: a mistake here would otherwise
//! surface only after every feed had been fetched (or never, behind a stalled one).
//! `check` asks the same of the mail credentials.

use std::io::ErrorKind::NotFound;
use std::path::Path;

use crate::config::{Config, PasswordSource, SmtpSettings, Transport};
use crate::deliver::preview::PreviewFormat;
use crate::deliver::smtp::{self, PasswordError, check_password};
use crate::error::Error;

/// Refuses a run that could not end well, before anything is fetched.
pub(crate) fn check(
    config: &Config,
    preview: Option<PreviewFormat>,
    out: Option<&Path>,
) -> Result<(), Error> {
    if preview == Some(PreviewFormat::Eml) && config.smtp.is_none() {
        return Err(Error::Usage(format!(
            "--dry-run=eml needs an `smtp:` section in {} (the message's From address \
             comes from it); preview with --dry-run=html or text instead",
            config.path.display()
        )));
    }
    if let Some(out) = out {
        let dir = out.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir.filter(|d| !d.is_dir()) {
            return Err(Error::Usage(format!(
                "--out {}: the directory {} does not exist",
                out.display(),
                dir.display()
            )));
        }
    }
    // A real run needs the password it will log in with; without it (unset, empty, a
    // file that cannot be read), every delivery would fail after the whole fetch.
    match config.smtp.as_ref().and_then(smtp_password) {
        Some(password) if preview.is_none() => {
            check_password(password).map_err(|e| Error::Usage(e.to_string()))
        }
        _ => Ok(()),
    }
}

/// The password an SMTP login uses; sendmail takes none.
fn smtp_password(smtp: &SmtpSettings) -> Option<&PasswordSource> {
    (smtp.password.as_ref()).filter(|_| smtp.transport == Transport::Smtp)
}

/// For `check`: a password `run` would refuse (an empty variable, a password file that is empty,
/// a directory or a device) is an error. Files the mail settings name but that are
/// not there (yet), and a password file others can read, are only warnings: the files
/// may be provisioned when the job runs (systemd credentials, a mounted secret). An
/// unset `password_env` says nothing, for cron's environment is not this shell's.
pub(crate) fn mail_files_usable(smtp: &SmtpSettings) -> bool {
    let usable = match smtp_password(smtp).map(check_password) {
        Some(Err(PasswordError::EnvMissing { .. })) | Some(Ok(())) | None => true,
        Some(Err(PasswordError::File { path, source })) if source.kind() == NotFound => {
            log::warn!(
                "smtp.password_file: {} does not exist (yet)",
                path.display()
            );
            true
        }
        Some(Err(e)) => {
            log::error!("{e}");
            false
        }
    };
    if let Some(path) = smtp.ca_file.as_ref().filter(|p| !p.exists()) {
        log::warn!("smtp.ca_file: {} does not exist (yet)", path.display());
    }
    if let Some(warning) = smtp.password.as_ref().and_then(smtp::permission_warning) {
        log::warn!("{warning}");
    }
    usable
}
