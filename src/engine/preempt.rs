//! Stopping a later piece's inference when a first piece arrives. Queue priority only
//! orders jobs that wait: a request arriving while another answer's long piece runs
//! would wait out that whole inference (seconds) before its own first one starts. So
//! a first piece stops a running later piece, which goes back to the front of its
//! level and runs again after the first piece. The waste is bounded: a job is stopped
//! at most once, and only while less than half of its expected time has gone.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Stops the inference in progress from another thread (ONNX Runtime's terminate
/// flag, checked between operators).
pub trait Stop: Send + Sync {
    /// Makes the run in progress (or the next one) end early with an error.
    fn stop(&self);
    /// Lets the next run go to the end.
    fn clear(&self);
}

/// Whether a job may be stopped at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stoppable {
    /// A later piece, not stopped before.
    Yes,
    /// A first piece, or a job stopped once already.
    No,
}

struct Current {
    stoppable: Stoppable,
    started: Instant,
    /// `None` until the engine has timed a run.
    expected: Option<Duration>,
    stopped: bool,
}

/// Runs shorter than this do not set the pace: most of their time is the model's
/// fixed lead and tail, not their tokens.
const PACED_TOKENS: usize = 32;

/// Nanoseconds per token, averaged over finished runs of at least [`PACED_TOKENS`]
/// (exponentially, so it follows the machine's load).
#[derive(Default)]
struct Pace(Option<f64>);

impl Pace {
    fn record(&mut self, tokens: usize, took: Duration) {
        if tokens < PACED_TOKENS {
            return;
        }
        let per = took.as_nanos() as f64 / tokens.max(1) as f64;
        self.0 = Some(match self.0 {
            Some(old) => 0.8 * old + 0.2 * per,
            None => per,
        });
    }

    fn expected(&self, tokens: usize) -> Option<Duration> {
        self.0
            .map(|per| Duration::from_nanos((per * tokens as f64) as u64))
    }
}

#[derive(Default)]
struct State {
    current: Option<Current>,
    pace: Pace,
}

/// What the inference thread is running, shared with the requesters.
pub struct Preemptor {
    state: Mutex<State>,
    stop: Option<Arc<dyn Stop>>,
}

impl Preemptor {
    /// `stop`: how to end a run early; `None` disables preemption.
    pub fn new(stop: Option<Arc<dyn Stop>>) -> Self {
        Preemptor {
            state: Mutex::new(State::default()),
            stop,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The inference thread starts a job of `tokens`.
    pub fn begin(&self, tokens: usize, stoppable: Stoppable) {
        let mut s = self.lock();
        // Under the lock: a stop meant for the job before cannot land after this.
        if let Some(stop) = &self.stop {
            stop.clear();
        }
        let expected = s.pace.expected(tokens);
        s.current = Some(Current {
            stoppable,
            started: Instant::now(),
            expected,
            stopped: false,
        });
    }

    /// The job has returned; `true` if it was stopped (its result, if an error, is
    /// the stop's, not the input's). `finished` records how long a run that went to
    /// the end took.
    pub fn end(&self, tokens: usize, finished: bool) -> bool {
        let mut s = self.lock();
        let Some(cur) = s.current.take() else {
            return false;
        };
        if finished && !cur.stopped {
            s.pace.record(tokens, cur.started.elapsed());
        }
        cur.stopped
    }

    /// A first piece was queued: stop the running job if it may be stopped and has
    /// more than half of its expected time ahead. Returns whether it was stopped.
    pub fn first_arrived(&self) -> bool {
        let Some(stop) = &self.stop else {
            return false;
        };
        let mut s = self.lock();
        let Some(cur) = s.current.as_mut() else {
            return false;
        };
        let early = cur.expected.is_none_or(|e| cur.started.elapsed() * 2 < e);
        if cur.stoppable == Stoppable::No || cur.stopped || !early {
            return false;
        }
        cur.stopped = true;
        stop.stop();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[derive(Default)]
    struct Flag(AtomicBool);

    impl Stop for Flag {
        fn stop(&self) {
            self.0.store(true, Ordering::SeqCst);
        }
        fn clear(&self) {
            self.0.store(false, Ordering::SeqCst);
        }
    }

    fn preemptor() -> (Arc<Flag>, Preemptor) {
        let flag = Arc::new(Flag::default());
        let p = Preemptor::new(Some(flag.clone() as Arc<dyn Stop>));
        (flag, p)
    }

    #[test]
    fn a_later_piece_is_stopped_once_and_a_first_piece_never() {
        let (flag, p) = preemptor();
        assert!(!p.first_arrived(), "nothing runs");
        p.begin(100, Stoppable::Yes);
        assert!(p.first_arrived());
        assert!(flag.0.load(Ordering::SeqCst));
        assert!(!p.first_arrived(), "stopped already");
        assert!(p.end(100, false));
        // Run again, not stoppable now; the flag is cleared for it.
        p.begin(100, Stoppable::No);
        assert!(!flag.0.load(Ordering::SeqCst));
        assert!(!p.first_arrived());
        assert!(!p.end(100, true));
    }

    #[test]
    fn a_job_past_half_its_expected_time_runs_on() {
        let (flag, p) = preemptor();
        // A short run sets no pace.
        p.begin(10, Stoppable::Yes);
        std::thread::sleep(Duration::from_millis(20));
        assert!(!p.end(10, true));
        // Learn a pace: 40 tokens in ~40 ms, so 40 tokens are expected to take ~40 ms.
        p.begin(40, Stoppable::Yes);
        std::thread::sleep(Duration::from_millis(40));
        assert!(!p.end(40, true));
        p.begin(40, Stoppable::Yes);
        std::thread::sleep(Duration::from_millis(30));
        assert!(!p.first_arrived(), "three quarters done");
        assert!(!flag.0.load(Ordering::SeqCst));
        p.end(40, true);
        // A long job just begun is stopped.
        p.begin(1000, Stoppable::Yes);
        assert!(p.first_arrived());
    }

    #[test]
    fn without_a_stop_nothing_is_stopped() {
        let p = Preemptor::new(None);
        p.begin(100, Stoppable::Yes);
        assert!(!p.first_arrived());
        assert!(!p.end(100, true));
    }
}
