//! Signal policy of the binary: SIGINT (Ctrl-C) and SIGTERM (`kill`,
//! Kubernetes, batch schedulers, `timeout`) stop a `create` cleanly. A
//! thread waits for either and raises the run's [`Cancel`]: the library
//! stops at its next tile, drops its temporary files, aborts an S3
//! multipart upload, and returns an `Interrupted` error, which `main.rs`
//! turns into 130 (SIGINT) or 143 (SIGTERM), 128 + the signal, as a shell
//! would. A second signal ends the process at once, after removing the
//! named temporary files (anonymous ones vanish with the process).

use cogtool::Cancel;
use std::sync::atomic::{AtomicI32, Ordering};

/// Exit status for the signal that arrived (0: none yet).
static EXIT: AtomicI32 = AtomicI32::new(0);

/// The exit status to use once cancelled: 130 after SIGINT, 143 after
/// SIGTERM (2 if no signal was seen).
pub fn exit_code() -> i32 {
    match EXIT.load(Ordering::SeqCst) {
        0 => 2,
        c => c,
    }
}

/// Start watching SIGINT and SIGTERM for the run that `cancel` stops;
/// returns once both are caught (a signal before that has its default
/// effect, which leaves no temp file either on Linux). Without a watcher
/// (it cannot start) signals keep their default effect.
pub fn install(cancel: &Cancel) {
    let cancel = cancel.clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let watcher = std::thread::Builder::new().name("cogtool-signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        rt.block_on(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
                return;
            };
            let _ = ready_tx.send(());
            loop {
                let code = tokio::select! {
                    _ = int.recv() => 130,
                    _ = term.recv() => 143,
                };
                // The first signal decides the exit status.
                if EXIT.compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst).is_err() {
                    cogtool::create::sink::local::remove_named_temp_files();
                    eprintln!("cogtool: {} again; stopped at once", what(exit_code()));
                    std::process::exit(exit_code());
                }
                cancel.cancel();
            }
        });
    });
    if watcher.is_ok() {
        let _ = ready_rx.recv();
    }
}

/// The signal, as a message.
pub fn what(code: i32) -> &'static str {
    if code == 143 { "terminated (SIGTERM)" } else { "interrupted" }
}
