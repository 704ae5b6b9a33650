//! The job queue between requesters and the inference thread: two levels, so the
//! first piece of every request (what a listener waits for) goes before later pieces
//! of long requests. Later pieces go in FIFO order; among first pieces the cheapest
//! goes first (fewest tokens: the shortest wait for everyone's first sound), but one
//! that has been overtaken [`MAX_OVERTAKEN`] times goes next, so a long first piece
//! is not put off for ever. The priority is bounded: first pieces that arrive within
//! [`LATER_PATIENCE`] of a waiting later piece pass it freely; of those arriving after,
//! at most [`FIRSTS_IN_A_ROW`] go before it, so a long answer keeps advancing even while
//! new requests never stop arriving. The worker sleeps on a condvar while the queue is
//! empty: an idle engine uses no CPU.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How urgent a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    /// The first piece of a request: someone is waiting for the first sound.
    First,
    /// Any later piece.
    #[default]
    Rest,
}

/// Why a job was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum PushError {
    /// The queue holds its maximum.
    Full,
    /// The worker is gone.
    Closed,
}

/// First pieces that arrived after a waiting later piece's [`LATER_PATIENCE`] taken in a
/// row before it goes. Without this bound an overloaded engine starved long answers
/// (found by the load program: long requests got no audio for 10 minutes under 10 busy
/// clients).
pub const FIRSTS_IN_A_ROW: usize = 2;

/// First pieces that arrive before a waiting later piece, or at most this long after
/// it, pass it freely. Counted from arrivals, not from when the engine gets
/// to them: several questions asked at once each get their first audio before earlier
/// answers go on however slowly the engine works through them, while a steady stream of
/// new questions still leaves later pieces their share.
pub const LATER_PATIENCE: Duration = Duration::from_secs(3);

/// Times a first piece may be overtaken by cheaper ones before it goes next.
pub const MAX_OVERTAKEN: usize = 2;

/// A first-level job with what it costs, how often it was passed over and when it
/// arrived (`None`: put back after a stop, so it arrived with whatever it waited for).
struct Waiting<T> {
    job: T,
    cost: usize,
    overtaken: usize,
    arrived: Option<Instant>,
}

/// A later piece and since when it waits (`None`: put back after a stop, so it has
/// waited its turn already).
struct Later<T> {
    job: T,
    since: Option<Instant>,
}

struct State<T> {
    first: VecDeque<Waiting<T>>,
    rest: VecDeque<Later<T>>,
    /// First pieces popped since the last later piece.
    firsts: usize,
    closed: bool,
}

impl<T> State<T> {
    fn take(&mut self) -> Option<T> {
        // Once the bound is reached, only first pieces of the head later piece's wave
        // may still pass it.
        let bounded = self.firsts >= FIRSTS_IN_A_ROW;
        let passes = |w: &Waiting<T>| match self.rest.front() {
            Some(l) if bounded => match (w.arrived, l.since) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(a), Some(since)) => a < since + LATER_PATIENCE,
            },
            _ => true,
        };
        let candidates: Vec<usize> = (0..self.first.len())
            .filter(|&i| passes(&self.first[i]))
            .collect();
        let pick = match candidates.first() {
            None => {
                let l = self.rest.pop_front()?;
                self.firsts = 0;
                return Some(l.job);
            }
            Some(&i) if self.first[i].overtaken >= MAX_OVERTAKEN => i,
            // The first of the cheapest: FIFO among equals.
            Some(&i) => {
                let cheapest = candidates.iter().map(|&j| self.first[j].cost).min();
                candidates
                    .iter()
                    .copied()
                    .find(|&j| Some(self.first[j].cost) == cheapest)
                    .unwrap_or(i)
            }
        };
        for &j in candidates.iter().take_while(|&&j| j < pick) {
            self.first[j].overtaken += 1;
        }
        let job = self.first.remove(pick)?.job;
        self.firsts += 1;
        Some(job)
    }
}

/// A bounded two-level queue for one consumer thread.
pub struct JobQueue<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    capacity: usize,
}

impl<T> JobQueue<T> {
    /// A queue holding at most `capacity` jobs.
    pub fn new(capacity: usize) -> Self {
        JobQueue {
            state: Mutex::new(State {
                first: VecDeque::new(),
                rest: VecDeque::new(),
                firsts: 0,
                closed: false,
            }),
            ready: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<T>> {
        // A panic while holding this lock cannot leave the queues inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a job costing `cost` (tokens, say; only compared between first-level
    /// jobs); never blocks.
    pub fn push(&self, job: T, priority: Priority, cost: usize) -> Result<(), PushError> {
        self.push_at(job, priority, cost, Instant::now())
    }

    fn push_at(
        &self,
        job: T,
        priority: Priority,
        cost: usize,
        now: Instant,
    ) -> Result<(), PushError> {
        let mut s = self.lock();
        if s.closed {
            return Err(PushError::Closed);
        }
        if s.first.len() + s.rest.len() >= self.capacity {
            return Err(PushError::Full);
        }
        match priority {
            Priority::First => s.first.push_back(Waiting {
                job,
                cost,
                overtaken: 0,
                arrived: Some(now),
            }),
            Priority::Rest => s.rest.push_back(Later {
                job,
                since: Some(now),
            }),
        }
        drop(s);
        self.ready.notify_one();
        Ok(())
    }

    /// Puts back a job that was stopped before it finished: it goes first among the
    /// jobs of its level, whatever the capacity (it was counted when first queued),
    /// and also once the queue is closed (the consumer drains it). A first piece counts
    /// the stop as once overtaken, so it is not put off for ever either.
    pub fn requeue(&self, job: T, priority: Priority, cost: usize) {
        let mut s = self.lock();
        match priority {
            Priority::First => s.first.push_front(Waiting {
                job,
                cost,
                overtaken: 1,
                arrived: None,
            }),
            Priority::Rest => s.rest.push_front(Later { job, since: None }),
        }
        drop(s);
        self.ready.notify_one();
    }

    /// Blocks until a job is there (first-level jobs first); `None` once closed and empty.
    pub fn pop(&self) -> Option<T> {
        let mut s = self.lock();
        loop {
            if let Some(j) = s.take() {
                return Some(j);
            }
            if s.closed {
                return None;
            }
            s = self.ready.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Jobs waiting.
    pub fn len(&self) -> usize {
        let s = self.lock();
        s.first.len() + s.rest.len()
    }

    /// Refuses new jobs; the consumer drains what is queued, then `pop` returns `None`.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn first_pieces_jump_the_queue_fifo_within_a_level() {
        let q = JobQueue::new(10);
        q.push("a2", Priority::Rest, 1).unwrap();
        q.push("a3", Priority::Rest, 1).unwrap();
        q.push("b1", Priority::First, 1).unwrap();
        q.push("c1", Priority::First, 1).unwrap();
        let order: Vec<_> = (0..4).map(|_| q.pop().unwrap()).collect();
        assert_eq!(order, ["b1", "c1", "a2", "a3"]);
    }

    /// Takes every job, as the consumer would.
    fn drain<T>(q: &JobQueue<T>) -> Vec<T> {
        std::iter::from_fn(|| q.lock().take()).collect()
    }

    #[test]
    fn later_pieces_are_not_starved_by_endless_first_pieces() {
        let q = JobQueue::new(100);
        let t0 = Instant::now();
        for i in 0..3 {
            q.push_at(format!("long{i}"), Priority::Rest, 1, t0)
                .unwrap();
        }
        for i in 0..9 {
            let later = t0 + LATER_PATIENCE + Duration::from_millis(i);
            q.push_at(format!("new{i}"), Priority::First, 1, later)
                .unwrap();
        }
        let order = drain(&q);
        assert_eq!(
            order,
            [
                "new0", "new1", "long0", "new2", "new3", "long1", "new4", "new5", "long2", "new6",
                "new7", "new8"
            ]
        );
    }

    #[test]
    fn questions_asked_together_all_start_before_earlier_answers_go_on() {
        let q = JobQueue::new(100);
        let t0 = Instant::now();
        q.push_at("a2", Priority::Rest, 1, t0).unwrap();
        let just_in = t0 + LATER_PATIENCE - Duration::from_millis(1);
        for (f, at) in [("b1", t0), ("c1", t0), ("d1", just_in)] {
            q.push_at(f, Priority::First, 1, at).unwrap();
        }
        // However long the engine takes over them: only arrivals count.
        assert_eq!(drain(&q), ["b1", "c1", "d1", "a2"]);
    }

    #[test]
    fn once_the_bound_holds_only_the_wave_passes_a_later_piece() {
        let q = JobQueue::new(100);
        let t0 = Instant::now();
        q.push_at("a2", Priority::Rest, 1, t0).unwrap();
        q.push_at("b1", Priority::First, 5, t0).unwrap();
        q.push_at("c1", Priority::First, 5, t0).unwrap();
        let take = || q.lock().take();
        assert_eq!((take(), take()), (Some("b1"), Some("c1")));
        // Two first pieces went: a cheap late question no longer passes "a2", an
        // expensive one of its wave still does.
        let wave = t0 + LATER_PATIENCE - Duration::from_millis(1);
        q.push_at("d1", Priority::First, 9, wave).unwrap();
        q.push_at("late", Priority::First, 1, t0 + LATER_PATIENCE)
            .unwrap();
        assert_eq!(drain(&q), ["d1", "a2", "late"]);
    }

    #[test]
    fn the_cheapest_first_piece_goes_first_but_not_for_ever() {
        let q = JobQueue::new(10);
        q.push("long", Priority::First, 200).unwrap();
        q.push("short", Priority::First, 10).unwrap();
        q.push("mid", Priority::First, 50).unwrap();
        q.push("short2", Priority::First, 10).unwrap();
        q.push("tiny", Priority::First, 5).unwrap();
        let order: Vec<_> = (0..5).map(|_| q.pop().unwrap()).collect();
        // "long" is overtaken by "tiny" and "short", then goes; "mid" by "tiny" and
        // "short2". "short" goes before "short2": FIFO among equal costs.
        assert_eq!(order, ["tiny", "short", "long", "short2", "mid"]);
    }

    #[test]
    fn a_stopped_job_goes_back_first_among_later_pieces() {
        let q = JobQueue::new(2);
        q.push("a3", Priority::Rest, 1).unwrap();
        q.push("b1", Priority::First, 1).unwrap();
        // "a2" was running and stopped; the queue is full, and it still goes back.
        q.requeue("a2", Priority::Rest, 1);
        q.close();
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, ["b1", "a2", "a3"]);
        // Put back after two first pieces, it has waited its turn: it goes next.
        let q = JobQueue::new(10);
        for f in ["b1", "c1", "d1"] {
            q.push(f, Priority::First, 1).unwrap();
        }
        assert_eq!(drain(&q).len(), 3);
        for f in ["e1", "f1", "g1"] {
            q.push(f, Priority::First, 1).unwrap();
        }
        q.requeue("a2", Priority::Rest, 1);
        assert_eq!(drain(&q), ["a2", "e1", "f1", "g1"]);
    }

    #[test]
    fn a_stopped_first_piece_goes_after_the_one_that_stopped_it() {
        let q = JobQueue::new(10);
        q.push("short", Priority::First, 10).unwrap();
        // "long" was running and stopped for "short".
        q.requeue("long", Priority::First, 200);
        q.push("short2", Priority::First, 10).unwrap();
        let order: Vec<_> = (0..3).map(|_| q.pop().unwrap()).collect();
        // Overtaken by "short" after the stop, "long" goes before any other.
        assert_eq!(order, ["short", "long", "short2"]);
    }

    #[test]
    fn bounded_and_closable() {
        let q = JobQueue::new(2);
        q.push(1, Priority::Rest, 1).unwrap();
        q.push(2, Priority::First, 1).unwrap();
        assert_eq!(q.push(3, Priority::First, 1), Err(PushError::Full));
        q.close();
        assert_eq!(q.push(4, Priority::Rest, 1), Err(PushError::Closed));
        assert_eq!((q.pop(), q.pop(), q.pop()), (Some(2), Some(1), None));
    }

    #[test]
    fn a_blocked_consumer_wakes_for_a_job() {
        let q = Arc::new(JobQueue::new(4));
        let q2 = q.clone();
        let t = std::thread::spawn(move || q2.pop());
        std::thread::sleep(std::time::Duration::from_millis(50));
        q.push(7, Priority::Rest, 1).unwrap();
        assert_eq!(t.join().unwrap(), Some(7));
    }
}
