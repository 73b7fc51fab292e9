//! Retry policy shared by HTTP and S3: which failures are worth another try,
//! and how long to wait before it (exponential backoff with full jitter, as
//! AWS recommends, so many clients hitting one throttled server spread out).

use std::time::Duration;

/// First backoff ceiling; doubles with every attempt up to [`MAX_DELAY`].
const BASE_DELAY: Duration = Duration::from_millis(200);
const MAX_DELAY: Duration = Duration::from_secs(20);

/// Whether an HTTP status is transient: server errors and throttling.
/// Other 4xx mean the request itself is wrong and will fail again.
pub fn status_is_retryable(status: u16) -> bool {
    status >= 500 || status == 429 || status == 408
}

/// Delay before retry number `attempt` (1 for the first retry): a uniform
/// random duration in [ceiling/2, ceiling], ceiling = BASE * 2^(attempt-1).
/// Half the ceiling is kept as a floor so a retry never hammers at once.
pub fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE_DELAY.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)).min(MAX_DELAY);
    let half = ceiling / 2;
    half + half.mul_f64(jitter())
}

/// A number in [0, 1). Jitter needs no cryptographic quality: mix the clock
/// and a per-process counter through a SplitMix64 step.
fn jitter() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let mut z = nanos ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The outcome of one attempt, as the retry loop sees it.
pub enum Attempt<T> {
    Done(T),
    /// Transient failure: try again if attempts remain. The message is what
    /// the user sees if this was the last attempt.
    Retry(String),
    /// Permanent failure: stop now.
    Fail(crate::Error),
}

/// Run `op` until it succeeds, fails permanently, or `retries` retries are
/// used up. `op` gets the attempt number (0 first). `what` prefixes the
/// final message (empty when the caller's report already names the object).
pub async fn run<T, F, Fut>(retries: u32, what: &str, mut op: F) -> crate::Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Attempt<T>>,
{
    let mut attempt = 0;
    loop {
        match op(attempt).await {
            Attempt::Done(v) => return Ok(v),
            Attempt::Fail(e) => return Err(e),
            Attempt::Retry(msg) => {
                if attempt >= retries {
                    let tries = if retries == 0 { String::new() } else { format!(" (after {} retries)", retries) };
                    let prefix = if what.is_empty() { String::new() } else { format!("{}: ", what) };
                    return Err(crate::Error::io(format!("{}{}{}", prefix, msg, tries)));
                }
                attempt += 1;
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_in_bounds() {
        for attempt in 1..10 {
            let ceiling = BASE_DELAY.saturating_mul(1 << (attempt - 1)).min(MAX_DELAY);
            for _ in 0..50 {
                let d = backoff(attempt);
                assert!(d >= ceiling / 2 && d <= ceiling, "attempt {attempt}: {d:?} vs {ceiling:?}");
            }
        }
        assert!(backoff(40) <= MAX_DELAY);
    }

    #[test]
    fn jitter_varies() {
        let a: Vec<Duration> = (0..20).map(|_| backoff(3)).collect();
        assert!(a.iter().any(|d| *d != a[0]), "no jitter: {a:?}");
    }

    #[test]
    fn retryable_statuses() {
        for s in [500, 502, 503, 504, 429, 408] {
            assert!(status_is_retryable(s), "{s}");
        }
        for s in [400, 401, 403, 404, 412, 416] {
            assert!(!status_is_retryable(s), "{s}");
        }
    }
}
