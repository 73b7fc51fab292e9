//! The one tokio runtime behind every remote source. The rest of cogtool is
//! synchronous (rayon for CPU work), so remote sources hide async I/O behind
//! the sync [`RangeSource`](super::RangeSource) trait: each call blocks on a
//! future here. The runtime is created on first use, so local-only runs never
//! start its threads.

use std::future::Future;
use std::sync::OnceLock;
use tokio::runtime::Runtime;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The shared multi-thread runtime (two workers: the work is waiting on the
/// network, not computing; concurrency comes from many futures, not threads).
pub fn get() -> &'static Runtime {
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cogtool-io")
            .enable_all()
            .build()
            .expect("cannot start the I/O runtime")
    })
}

/// Run a future to completion from synchronous code. Callers are rayon or
/// main threads, never runtime threads (blocking there would deadlock; tokio
/// panics instead, which would show the bug at once in tests).
pub fn block_on<F: Future>(fut: F) -> F::Output {
    get().block_on(fut)
}
