//! Reading the SMTP password. A separate wrapper type so that the secret cannot end up
//! in Debug output or logs by accident, whatever struct it is carried in.

use std::fmt;

use super::PasswordError;
use crate::config::PasswordSource;

/// The SMTP password, kept out of Debug output.
pub(super) struct Password(pub(super) String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Reads the password as a delivery would and forgets it: for the checks that refuse
/// a run (or fail `check`) before any request, with the delivery's own words.
pub fn check_password(source: &PasswordSource) -> Result<(), PasswordError> {
    read_password(source).map(drop)
}

/// Reads the password from its source; a trailing line ending in a file is not part of it.
pub(super) fn read_password(source: &PasswordSource) -> Result<Password, PasswordError> {
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
            let error = |source| PasswordError::File {
                path: path.clone(),
                source,
            };
            // Asked before opening: a FIFO would block the open, /dev/zero never end.
            if !std::fs::metadata(path).map_err(error)?.is_file() {
                return Err(error(std::io::Error::other("not a regular file")));
            }
            let mut value = std::fs::read_to_string(path).map_err(error)?;
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

/// A warning when the password file can be read by anyone but its owner: a password
/// others can read is as good as written in feeds.yaml.
#[cfg(unix)]
pub fn permission_warning(source: &PasswordSource) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let PasswordSource::File(path) = source else {
        return None;
    };
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then(|| {
        format!(
            "smtp.password_file {} can be read by {} (mode {mode:03o}); run `chmod 600 {}`",
            path.display(),
            if mode & 0o004 != 0 {
                "everyone"
            } else {
                "its group"
            },
            path.display()
        )
    })
}

#[cfg(not(unix))]
pub fn permission_warning(_: &PasswordSource) -> Option<String> {
    None
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
}
