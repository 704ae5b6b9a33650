//! The job queue between requesters and the inference thread: two levels, so the
//! first piece of every request (what a listener waits for) goes before later pieces
//! of long requests. Later pieces go earliest deadline first: the one whose listener
//! runs out of audio soonest (FIFO among equals, so one answer's pieces keep their
//! order), which spreads the pauses an overloaded engine cannot avoid over the
//! answers instead of piling them on one. Among first pieces the cheapest
//! goes first (fewest tokens: the shortest wait for everyone's first sound), but one
//! that has been overtaken [`MAX_OVERTAKEN`] times goes next, so a long first piece
//! is not put off for ever. The priority is bounded: first pieces that arrive within
//! [`LATER_PATIENCE`] of a waiting later piece pass it freely; of those arriving after,
//! at most [`FIRSTS_IN_A_ROW`] go before it, so a long answer keeps advancing even while
//! new requests never stop arriving. The worker sleeps on a condvar while the queue is
//! empty: an idle engine uses no CPU.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
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

/// When a later piece is needed: the moment its listener's audio runs out. One per
/// answer, shared by its pieces and moved on as each piece's audio is made; the queue
/// reads it when it picks. Unset while the answer has no audio yet: then a piece is
/// due when it was queued, as early as can be.
#[derive(Debug, Clone, Default)]
pub struct Deadline(Arc<Mutex<Option<Instant>>>);

impl Deadline {
    /// A deadline for an answer that has no audio yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `audio` more of the answer has been made at `now`: a listener playing from the
    /// first audio on (and waiting where it ran out) now runs out that much later.
    pub fn played(&self, audio: Duration, now: Instant) {
        let mut end = self.lock();
        let from = end.map_or(now, |e| e.max(now));
        *end = Some(from + audio);
    }

    /// When the listener runs out of audio, if it has any.
    pub fn get(&self) -> Option<Instant> {
        *self.lock()
    }
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

/// A later piece, since when it waits (`None`: put back after a stop, so it has
/// waited its turn already) and its answer's deadline.
struct Later<T> {
    job: T,
    since: Option<Instant>,
    due: Option<Deadline>,
}

impl<T> Later<T> {
    /// When it is needed: its answer's deadline, or when it was queued if the answer
    /// has no audio yet; `None` (before any instant) for one put back after a stop.
    fn due(&self) -> Option<Instant> {
        self.due.as_ref().and_then(Deadline::get).or(self.since)
    }
}

struct State<T> {
    first: VecDeque<Waiting<T>>,
    rest: VecDeque<Later<T>>,
    /// First pieces popped since the last later piece.
    firsts: usize,
    closed: bool,
}

impl<T> State<T> {
    /// The later piece to go next: the earliest due, the first queued among equals.
    fn next_later(&self) -> Option<usize> {
        (0..self.rest.len()).min_by_key(|&i| (self.rest[i].due(), i))
    }

    fn take(&mut self) -> Option<T> {
        let later = self.next_later();
        // Once the bound is reached, only first pieces of the next later piece's wave
        // may still pass it.
        let bounded = self.firsts >= FIRSTS_IN_A_ROW;
        let passes = |w: &Waiting<T>| match later.map(|i| &self.rest[i]) {
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
                let l = self.rest.remove(later?)?;
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
    /// jobs); never blocks. `due`: a later piece's answer deadline (first pieces ignore
    /// it; a later piece without one is due when queued).
    pub fn push(
        &self,
        job: T,
        priority: Priority,
        cost: usize,
        due: Option<Deadline>,
    ) -> Result<(), PushError> {
        self.push_at(job, priority, cost, Instant::now(), due)
    }

    fn push_at(
        &self,
        job: T,
        priority: Priority,
        cost: usize,
        now: Instant,
        due: Option<Deadline>,
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
                due,
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
    pub fn requeue(&self, job: T, priority: Priority, cost: usize, due: Option<Deadline>) {
        let mut s = self.lock();
        match priority {
            Priority::First => s.first.push_front(Waiting {
                job,
                cost,
                overtaken: 1,
                arrived: None,
            }),
            Priority::Rest => s.rest.push_front(Later {
                job,
                since: None,
                due,
            }),
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
        q.push("a2", Priority::Rest, 1, None).unwrap();
        q.push("a3", Priority::Rest, 1, None).unwrap();
        q.push("b1", Priority::First, 1, None).unwrap();
        q.push("c1", Priority::First, 1, None).unwrap();
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
            q.push_at(format!("long{i}"), Priority::Rest, 1, t0, None)
                .unwrap();
        }
        for i in 0..9 {
            let later = t0 + LATER_PATIENCE + Duration::from_millis(i);
            q.push_at(format!("new{i}"), Priority::First, 1, later, None)
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
        q.push_at("a2", Priority::Rest, 1, t0, None).unwrap();
        let just_in = t0 + LATER_PATIENCE - Duration::from_millis(1);
        for (f, at) in [("b1", t0), ("c1", t0), ("d1", just_in)] {
            q.push_at(f, Priority::First, 1, at, None).unwrap();
        }
        // However long the engine takes over them: only arrivals count.
        assert_eq!(drain(&q), ["b1", "c1", "d1", "a2"]);
    }

    #[test]
    fn once_the_bound_holds_only_the_wave_passes_a_later_piece() {
        let q = JobQueue::new(100);
        let t0 = Instant::now();
        q.push_at("a2", Priority::Rest, 1, t0, None).unwrap();
        q.push_at("b1", Priority::First, 5, t0, None).unwrap();
        q.push_at("c1", Priority::First, 5, t0, None).unwrap();
        let take = || q.lock().take();
        assert_eq!((take(), take()), (Some("b1"), Some("c1")));
        // Two first pieces went: a cheap late question no longer passes "a2", an
        // expensive one of its wave still does.
        let wave = t0 + LATER_PATIENCE - Duration::from_millis(1);
        q.push_at("d1", Priority::First, 9, wave, None).unwrap();
        q.push_at("late", Priority::First, 1, t0 + LATER_PATIENCE, None)
            .unwrap();
        assert_eq!(drain(&q), ["d1", "a2", "late"]);
    }

    #[test]
    fn later_pieces_go_to_the_listener_who_runs_out_first_in_order_within_an_answer() {
        let q = JobQueue::new(10);
        let t0 = Instant::now();
        let secs = Duration::from_secs;
        let (a, b) = (Deadline::new(), Deadline::new());
        // a's listener has 10 s of audio ahead, b's 2 s; b asked later.
        a.played(secs(10), t0);
        b.played(secs(2), t0);
        for (job, due, at) in [("a2", &a, t0), ("a3", &a, t0), ("b2", &b, t0 + secs(1))] {
            q.push_at(job, Priority::Rest, 1, at, Some(due.clone()))
                .unwrap();
        }
        let take = || q.lock().take();
        assert_eq!(take(), Some("b2"));
        // b2 made 4 s: b's listener now runs out at 6 s, still before a's 10.
        b.played(secs(4), t0);
        q.push_at("b3", Priority::Rest, 1, t0 + secs(1), Some(b.clone()))
            .unwrap();
        assert_eq!(take(), Some("b3"));
        b.played(secs(6), t0);
        // b at 12 s now: a's pieces, in their order.
        q.push_at("b4", Priority::Rest, 1, t0 + secs(1), Some(b.clone()))
            .unwrap();
        assert_eq!(drain(&q), ["a2", "a3", "b4"]);
    }

    #[test]
    fn a_later_piece_of_an_answer_with_no_audio_yet_is_due_when_queued() {
        let q = JobQueue::new(10);
        let t0 = Instant::now();
        let playing = Deadline::new();
        playing.played(Duration::from_secs(5), t0);
        q.push_at("playing2", Priority::Rest, 1, t0, Some(playing))
            .unwrap();
        // The second inference of a long first piece: its listener has nothing yet.
        let silent = Deadline::new();
        let at = t0 + Duration::from_secs(1);
        q.push_at("silent1b", Priority::Rest, 1, at, Some(silent))
            .unwrap();
        assert_eq!(drain(&q), ["silent1b", "playing2"]);
    }

    #[test]
    fn a_listener_who_ran_out_waits_from_now() {
        let d = Deadline::new();
        let t0 = Instant::now();
        assert_eq!(d.get(), None);
        d.played(Duration::from_secs(2), t0);
        assert_eq!(d.get(), Some(t0 + Duration::from_secs(2)));
        // The next audio came at 5 s: 3 s of silence, then it plays from there.
        let late = t0 + Duration::from_secs(5);
        d.played(Duration::from_secs(1), late);
        assert_eq!(d.get(), Some(late + Duration::from_secs(1)));
        // Audio made while the listener still has some adds to its end.
        d.played(Duration::from_secs(1), late);
        assert_eq!(d.get(), Some(late + Duration::from_secs(2)));
    }

    #[test]
    fn the_cheapest_first_piece_goes_first_but_not_for_ever() {
        let q = JobQueue::new(10);
        q.push("long", Priority::First, 200, None).unwrap();
        q.push("short", Priority::First, 10, None).unwrap();
        q.push("mid", Priority::First, 50, None).unwrap();
        q.push("short2", Priority::First, 10, None).unwrap();
        q.push("tiny", Priority::First, 5, None).unwrap();
        let order: Vec<_> = (0..5).map(|_| q.pop().unwrap()).collect();
        // "long" is overtaken by "tiny" and "short", then goes; "mid" by "tiny" and
        // "short2". "short" goes before "short2": FIFO among equal costs.
        assert_eq!(order, ["tiny", "short", "long", "short2", "mid"]);
    }

    #[test]
    fn a_stopped_job_goes_back_first_among_later_pieces() {
        let q = JobQueue::new(2);
        q.push("a3", Priority::Rest, 1, None).unwrap();
        q.push("b1", Priority::First, 1, None).unwrap();
        // "a2" was running and stopped; the queue is full, and it still goes back.
        q.requeue("a2", Priority::Rest, 1, None);
        q.close();
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, ["b1", "a2", "a3"]);
        // Put back after two first pieces, it has waited its turn: it goes next.
        let q = JobQueue::new(10);
        for f in ["b1", "c1", "d1"] {
            q.push(f, Priority::First, 1, None).unwrap();
        }
        assert_eq!(drain(&q).len(), 3);
        for f in ["e1", "f1", "g1"] {
            q.push(f, Priority::First, 1, None).unwrap();
        }
        q.requeue("a2", Priority::Rest, 1, None);
        assert_eq!(drain(&q), ["a2", "e1", "f1", "g1"]);
    }

    #[test]
    fn a_stopped_first_piece_goes_after_the_one_that_stopped_it() {
        let q = JobQueue::new(10);
        q.push("short", Priority::First, 10, None).unwrap();
        // "long" was running and stopped for "short".
        q.requeue("long", Priority::First, 200, None);
        q.push("short2", Priority::First, 10, None).unwrap();
        let order: Vec<_> = (0..3).map(|_| q.pop().unwrap()).collect();
        // Overtaken by "short" after the stop, "long" goes before any other.
        assert_eq!(order, ["short", "long", "short2"]);
    }

    #[test]
    fn bounded_and_closable() {
        let q = JobQueue::new(2);
        q.push(1, Priority::Rest, 1, None).unwrap();
        q.push(2, Priority::First, 1, None).unwrap();
        assert_eq!(q.push(3, Priority::First, 1, None), Err(PushError::Full));
        q.close();
        assert_eq!(q.push(4, Priority::Rest, 1, None), Err(PushError::Closed));
        assert_eq!((q.pop(), q.pop(), q.pop()), (Some(2), Some(1), None));
    }

    #[test]
    fn a_blocked_consumer_wakes_for_a_job() {
        let q = Arc::new(JobQueue::new(4));
        let q2 = q.clone();
        let t = std::thread::spawn(move || q2.pop());
        std::thread::sleep(std::time::Duration::from_millis(50));
        q.push(7, Priority::Rest, 1, None).unwrap();
        assert_eq!(t.join().unwrap(), Some(7));
    }
}
