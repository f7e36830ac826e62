//! The run lock: one run at a time per state file, held for the whole run.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::StateError;

/// Held for the whole run; the lock is released when it is dropped (or the process dies).
pub struct RunLock {
    _file: File,
}

/// Takes the exclusive run lock that sits beside the state file.
pub fn lock(state: &Path, wait: bool) -> Result<RunLock, StateError> {
    let path = lock_path(state);
    let failed = |source| StateError::LockFile {
        path: path.clone(),
        source,
    };
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) if wait => {
            // Silence here would look like a hang in a terminal or a journal.
            log::info!(
                "waiting for the other feedletter run on {} to finish (--wait)",
                state.display()
            );
            file.lock().map_err(failed)?;
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(StateError::Locked {
                path: state.to_path_buf(),
            });
        }
        Err(std::fs::TryLockError::Error(source)) => return Err(failed(source)),
    }
    Ok(RunLock { _file: file })
}

fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    state.with_file_name(name)
}
