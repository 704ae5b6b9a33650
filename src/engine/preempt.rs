//! Stopping a running inference when a first piece arrives. Queue priority only
//! orders jobs that wait: a request arriving while another answer's long piece runs
//! would wait out that whole inference (seconds) before its own first one starts. So
//! a first piece stops a running later piece, and a running first piece that is many
//! times longer than itself (the shortest first piece goes first, as in the queue);
//! the stopped job goes back to the front of its level and runs again after the new
//! one. The waste is bounded: a job is stopped at most once, and only while less than
//! half of its expected time has gone.

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

/// Which arriving first pieces may stop a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stoppable {
    /// Any: a later piece, not stopped before.
    ByAnyFirst,
    /// Only one at most `1 / SHORTER_BY` as long: a first piece, not stopped before.
    ByShorterFirst,
    /// None: a job stopped once already.
    No,
}

/// How many times shorter (in tokens) an arriving first piece must be to stop a
/// running first piece. A first piece's wait is worth as much as another's, so only
/// a large difference pays for the work thrown away.
pub const SHORTER_BY: usize = 4;

struct Current {
    tokens: usize,
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
            tokens,
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

    /// A first piece of `tokens` was queued: stop the running job if that piece may
    /// stop it and it has more than half of its expected time ahead. Returns whether
    /// it was stopped.
    pub fn first_arrived(&self, tokens: usize) -> bool {
        let Some(stop) = &self.stop else {
            return false;
        };
        let mut s = self.lock();
        let Some(cur) = s.current.as_mut() else {
            return false;
        };
        let early = cur.expected.is_none_or(|e| cur.started.elapsed() * 2 < e);
        let may = match cur.stoppable {
            Stoppable::ByAnyFirst => true,
            Stoppable::ByShorterFirst => tokens.saturating_mul(SHORTER_BY) <= cur.tokens,
            Stoppable::No => false,
        };
        if !may || cur.stopped || !early {
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
    fn a_first_piece_is_stopped_only_by_a_much_shorter_one() {
        let (flag, p) = preemptor();
        p.begin(200, Stoppable::ByShorterFirst);
        assert!(!p.first_arrived(51), "not four times shorter");
        assert!(!flag.0.load(Ordering::SeqCst));
        assert!(p.first_arrived(50));
        assert!(flag.0.load(Ordering::SeqCst));
        assert!(p.end(200, false));
        // Not four times longer than the new one: it runs on.
        p.begin(20, Stoppable::ByShorterFirst);
        assert!(!p.first_arrived(6));
        assert!(!p.end(20, true));
    }

    #[test]
    fn a_later_piece_is_stopped_once() {
        let (flag, p) = preemptor();
        assert!(!p.first_arrived(10), "nothing runs");
        p.begin(100, Stoppable::ByAnyFirst);
        assert!(p.first_arrived(10));
        assert!(flag.0.load(Ordering::SeqCst));
        assert!(!p.first_arrived(10), "stopped already");
        assert!(p.end(100, false));
        // Run again, not stoppable now; the flag is cleared for it.
        p.begin(100, Stoppable::No);
        assert!(!flag.0.load(Ordering::SeqCst));
        assert!(!p.first_arrived(10));
        assert!(!p.end(100, true));
    }

    #[test]
    fn a_job_past_half_its_expected_time_runs_on() {
        let (flag, p) = preemptor();
        // A short run sets no pace.
        p.begin(10, Stoppable::ByAnyFirst);
        std::thread::sleep(Duration::from_millis(20));
        assert!(!p.end(10, true));
        // Learn a pace: 40 tokens in ~40 ms, so 40 tokens are expected to take ~40 ms.
        p.begin(40, Stoppable::ByAnyFirst);
        std::thread::sleep(Duration::from_millis(40));
        assert!(!p.end(40, true));
        p.begin(40, Stoppable::ByAnyFirst);
        std::thread::sleep(Duration::from_millis(30));
        assert!(!p.first_arrived(10), "three quarters done");
        assert!(!flag.0.load(Ordering::SeqCst));
        p.end(40, true);
        // A long job just begun is stopped.
        p.begin(1000, Stoppable::ByAnyFirst);
        assert!(p.first_arrived(10));
    }

    #[test]
    fn without_a_stop_nothing_is_stopped() {
        let p = Preemptor::new(None);
        p.begin(100, Stoppable::ByAnyFirst);
        assert!(!p.first_arrived(10));
        assert!(!p.end(100, true));
    }
}
