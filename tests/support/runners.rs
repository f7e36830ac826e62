//! Running the code under test, always bounded in time, so a hang fails the test
//! instead of stalling the suite.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// The built `feedletter` binary, with a 60 s timeout and no password from the
/// environment of whoever runs the tests.
pub fn feedletter() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("feedletter").expect("binary built");
    cmd.timeout(Duration::from_secs(60));
    cmd.env_remove("FEEDLETTER_SMTP_PASSWORD");
    cmd
}

/// Runs `feedletter run DIGEST --dry-run=FORMAT --now NOW` on `config`, expects success,
/// and returns (stdout, stderr).
pub fn preview(config: &Path, digest: &str, format: &str, now: &str) -> (String, String) {
    let output = feedletter()
        .args([
            "run",
            digest,
            &format!("--dry-run={format}"),
            "--now",
            now,
            "-c",
        ])
        .arg(config)
        .assert()
        .success()
        .get_output()
        .clone();
    (
        String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    )
}

/// Runs `body` on its own thread and fails the test if it takes longer than `limit`,
/// so a hung network test reports instead of stalling the whole suite.
pub fn bounded<T: Send + 'static>(limit: Duration, body: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = done.send(body());
    });
    match result.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test did not finish within {limit:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends before it ends"),
        },
    }
}
