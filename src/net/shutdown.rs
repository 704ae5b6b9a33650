//! Stopping in two steps: drain (stop accepting; connections finish the request in
//! hand), then, once the grace period is over, cancel what is left.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How servers stop. Cancelling `drain` begins the shutdown; `cancel` is cancelled
/// by [`serve`](super::serve) when connections outlive the grace period (or by the
/// owner, to stop at once).
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    /// Stop accepting; connections finish the request in hand and close.
    pub drain: CancellationToken,
    /// Connections still open end now.
    pub cancel: CancellationToken,
}

impl Shutdown {
    /// A shutdown not yet begun.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Begins draining.
    pub fn begin(&self) {
        self.drain.cancel();
    }

    /// Waits for `tasks` (closed) to end, up to `grace`; past it, reports how many are
    /// left through `late`, cancels them and waits for them.
    pub(crate) async fn grace(&self, tasks: &TaskTracker, grace: Duration, late: impl FnOnce()) {
        tasks.close();
        if tokio::time::timeout(grace, tasks.wait()).await.is_err() {
            late();
            self.cancel.cancel();
            tasks.wait().await;
        }
    }
}

/// A token that only begins the shutdown: the grace period's end cancels the rest.
impl From<CancellationToken> for Shutdown {
    fn from(drain: CancellationToken) -> Self {
        Shutdown {
            drain,
            cancel: CancellationToken::new(),
        }
    }
}
