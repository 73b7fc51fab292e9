//! Cancellation as a value. The caller (the binary's signal handler, a
//! service's shutdown path, a test) holds a [`Cancel`] and calls
//! [`Cancel::cancel`]; the work that was given a clone stops at its next
//! check with [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted),
//! dropping what it was writing: temporary files are removed, a multipart
//! upload is aborted. The library never installs a signal handler and never
//! exits the process.

use crate::{Error, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A shared "please stop" flag; clones see the same flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag nobody has raised yet.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Ask the work to stop. Safe from any thread, any number of times.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err(Interrupted)` with `message` once cancelled.
    pub fn check(&self, message: &str) -> Result<()> {
        if self.is_cancelled() { Err(Error::interrupted(message)) } else { Ok(()) }
    }

    /// Resolves once cancelled (for `tokio::select!` in remote operations;
    /// polls every 50 ms, which is nothing next to a network round trip).
    pub async fn cancelled(&self) {
        while !self.is_cancelled() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag() {
        let c = Cancel::new();
        let d = c.clone();
        assert!(c.check("x").is_ok());
        d.cancel();
        assert!(c.is_cancelled());
        let e = c.check("stopped").unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::Interrupted);
        assert_eq!(e.message, "stopped");
    }
}
