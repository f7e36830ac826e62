//! What `run` can know is wrong from the config, the command line and the
//! environment alone, found before the first request: a mistake here would otherwise
//! surface only after every feed had been fetched (or never, behind a stalled one).

use std::path::Path;

use crate::Error;
use crate::config::{Config, PasswordSource, Transport};
use crate::deliver::preview::PreviewFormat;

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
    if preview.is_none() {
        password_available(config)?;
    }
    Ok(())
}

/// A real run needs the password it will log in with; without it, every delivery
/// would fail after the whole fetch.
fn password_available(config: &Config) -> Result<(), Error> {
    let Some(smtp) = &config.smtp else {
        return Ok(());
    };
    if smtp.transport != Transport::Smtp {
        return Ok(());
    }
    match &smtp.password {
        Some(PasswordSource::Env(name)) if std::env::var_os(name).is_none() => Err(Error::Usage(
            format!("the SMTP password variable {name} (smtp.password_env) is not set"),
        )),
        Some(PasswordSource::File(path)) if !is_readable(path) => Err(Error::Usage(format!(
            "cannot read the SMTP password file {} (smtp.password_file)",
            path.display()
        ))),
        _ => Ok(()),
    }
}

fn is_readable(path: &Path) -> bool {
    std::fs::File::open(path).is_ok_and(|f| f.metadata().is_ok_and(|m| m.is_file()))
}
