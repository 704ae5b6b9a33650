//! A response cache in front of any [`Speech`]: a Home Assistant answers with the same
//! few sentences all day ("Turned on the kitchen lights."), and a repeated answer
//! should stream at once instead of costing another second of inference.
//!
//! The cache holds PCM pieces, not encoded audio, so one entry serves every protocol
//! and output format. The key is the request as the pipeline sees it: the text with
//! its whitespace runs collapsed, its format, the voice choice (with the default voice
//! it fell back on) and the speed. Entries are bounded in bytes and evicted least
//! recently used first. A response enters only once completely spoken: a stream that
//! fails or is dropped early leaves nothing behind, and so does one that began before
//! the last [`CachedSpeech::clear`] (it was spoken with the voices of before).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::StreamExt;

use super::{EngineLoad, PieceStream, SpeakRequest, Speech, SpeechError, TextFormat, VoiceInfo};

/// What identifies a response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    text: String,
    ssml: bool,
    voice: Option<String>,
    language: Option<String>,
    default_voice: String,
    speed_bits: u32,
    /// A text that continues an answer is cut into other pieces.
    continues: bool,
}

impl Key {
    fn new(req: &SpeakRequest, default_voice: String) -> Self {
        Key {
            text: collapse_whitespace(&req.text),
            ssml: req.format == TextFormat::Ssml,
            voice: req.voice.name.clone(),
            language: req.voice.language.clone(),
            default_voice,
            speed_bits: req.speed.to_bits(),
            continues: req.continues,
        }
    }

    /// Bytes the key itself holds, counted against the bound too.
    fn bytes(&self) -> usize {
        self.text.len()
            + self.default_voice.len()
            + self.voice.as_ref().map_or(0, String::len)
            + self.language.as_ref().map_or(0, String::len)
    }
}

/// Whitespace never changes what is said; anything else (case, punctuation) can.
fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

type Pieces = Arc<Vec<Vec<i16>>>;

struct Entry {
    pieces: Pieces,
    bytes: usize,
    tick: u64,
}

/// Byte-bounded least-recently-used map. `order` maps each entry's last-use tick to
/// its key, so the oldest is the first in the `BTreeMap`.
#[derive(Default)]
struct Lru {
    map: HashMap<Key, Entry>,
    order: BTreeMap<u64, Key>,
    tick: u64,
    bytes: usize,
    /// Bumped by every clear: a response begun in an earlier generation is not filed.
    generation: u64,
}

impl Lru {
    fn get(&mut self, key: &Key) -> Option<Pieces> {
        self.tick += 1;
        let e = self.map.get_mut(key)?;
        self.order.remove(&e.tick);
        e.tick = self.tick;
        self.order.insert(e.tick, key.clone());
        Some(e.pieces.clone())
    }

    fn insert(&mut self, key: Key, pieces: Vec<Vec<i16>>, capacity: usize) {
        let bytes = key.bytes() + pieces.iter().map(|p| p.len() * 2).sum::<usize>();
        if bytes > capacity {
            return;
        }
        self.remove(&key);
        while self.bytes + bytes > capacity {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some(e) = self.map.remove(&oldest) {
                self.bytes -= e.bytes;
            }
        }
        self.tick += 1;
        self.order.insert(self.tick, key.clone());
        self.map.insert(
            key,
            Entry {
                pieces: Arc::new(pieces),
                bytes,
                tick: self.tick,
            },
        );
        self.bytes += bytes;
    }

    fn remove(&mut self, key: &Key) {
        if let Some(e) = self.map.remove(key) {
            self.order.remove(&e.tick);
            self.bytes -= e.bytes;
        }
    }
}

/// Counters, for logs and metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Requests passed on to the speech behind.
    pub misses: u64,
    /// Entries held.
    pub entries: usize,
    /// Bytes held (PCM and keys).
    pub bytes: usize,
    /// The bound.
    pub capacity: usize,
    /// Bytes held now by answers being recorded (not yet filed).
    pub recording: usize,
    /// Answers that outgrew the cache while being recorded and were let go.
    pub too_large: u64,
}

/// The shared state: the map and the counters.
struct Shared {
    lru: Mutex<Lru>,
    capacity: usize,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Bytes held by recordings in progress.
    recording: AtomicUsize,
    /// Recordings given up because the answer outgrew the cache.
    too_large: AtomicU64,
    /// Told of every lookup (true = hit), for metrics.
    observer: Option<Box<dyn Fn(bool) + Send + Sync>>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        // A panic while holding the lock cannot leave the map inconsistent in a way
        // that matters more than losing the cache: keep serving.
        self.lru.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A [`Speech`] that answers repeated requests from memory.
pub struct CachedSpeech<S: ?Sized> {
    inner: Arc<S>,
    shared: Arc<Shared>,
}

impl<S: Speech + ?Sized> CachedSpeech<S> {
    /// Caches up to `capacity` bytes of `inner`'s responses; 0 turns caching off.
    pub fn new(inner: Arc<S>, capacity: usize) -> Self {
        let shared = Shared {
            lru: Mutex::new(Lru::default()),
            capacity,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            recording: AtomicUsize::new(0),
            too_large: AtomicU64::new(0),
            observer: None,
        };
        CachedSpeech {
            inner,
            shared: Arc::new(shared),
        }
    }

    /// Calls `f` on every lookup with whether it hit (for metrics).
    pub fn on_lookup(mut self, f: impl Fn(bool) + Send + Sync + 'static) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.observer = Some(Box::new(f));
        }
        self
    }

    /// The speech behind the cache.
    pub fn inner(&self) -> &Arc<S> {
        &self.inner
    }

    /// Forgets every entry (after voices or the lexicon change).
    pub fn clear(&self) {
        let mut lru = self.shared.lock();
        let generation = lru.generation.wrapping_add(1);
        *lru = Lru {
            generation,
            ..Lru::default()
        };
    }

    /// Hit and miss counts and the bytes held.
    pub fn stats(&self) -> CacheStats {
        let lru = self.shared.lock();
        CacheStats {
            hits: self.shared.hits.load(Ordering::Relaxed),
            misses: self.shared.misses.load(Ordering::Relaxed),
            entries: lru.map.len(),
            bytes: lru.bytes,
            capacity: self.shared.capacity,
            recording: self.shared.recording.load(Ordering::Relaxed),
            too_large: self.shared.too_large.load(Ordering::Relaxed),
        }
    }
}

impl<S: Speech + ?Sized> Speech for CachedSpeech<S> {
    fn voices(&self) -> Vec<VoiceInfo> {
        self.inner.voices()
    }

    fn default_voice(&self) -> String {
        self.inner.default_voice()
    }

    fn voice_name(&self, req: &SpeakRequest) -> Option<String> {
        self.inner.voice_name(req)
    }

    fn engine_load(&self) -> EngineLoad {
        self.inner.engine_load()
    }

    fn watermarked(&self) -> bool {
        self.inner.watermarked()
    }

    fn speak(&self, req: SpeakRequest) -> Result<PieceStream, SpeechError> {
        if self.shared.capacity == 0 {
            return self.inner.speak(req);
        }
        let key = Key::new(&req, self.inner.default_voice());
        // Read before `inner.speak`: a clear after this point keeps the answer out.
        let (hit, generation) = {
            let mut lru = self.shared.lock();
            (lru.get(&key), lru.generation)
        };
        if let Some(pieces) = hit {
            self.shared.hits.fetch_add(1, Ordering::Relaxed);
            if let Some(f) = &self.shared.observer {
                f(true);
            }
            tracing::debug!(chars = key.text.chars().count(), "response cache hit");
            let n = pieces.len();
            return Ok(futures::stream::iter((0..n).map(move |i| Ok(pieces[i].clone()))).boxed());
        }
        self.shared.misses.fetch_add(1, Ordering::Relaxed);
        if let Some(f) = &self.shared.observer {
            f(false);
        }
        let inner = self.inner.speak(req)?;
        let held = key.bytes();
        if held > self.shared.capacity {
            return Ok(inner);
        }
        self.shared.recording.fetch_add(held, Ordering::Relaxed);
        Ok(Recording {
            inner,
            key: Some(key),
            generation,
            pieces: Vec::new(),
            held,
            shared: self.shared.clone(),
        }
        .into_stream())
    }
}

/// Passes the pieces on and files them under the key once the stream ends cleanly.
struct Recording {
    inner: PieceStream,
    key: Option<Key>,
    /// The cache's generation when the request began.
    generation: u64,
    pieces: Vec<Vec<i16>>,
    /// Bytes of the key and the pieces recorded, counted in [`Shared::recording`].
    held: usize,
    shared: Arc<Shared>,
}

impl Recording {
    /// Stops recording and lets go of what was recorded.
    fn give_up(&mut self) {
        self.key = None;
        self.pieces = Vec::new();
        self.shared
            .recording
            .fetch_sub(self.held, Ordering::Relaxed);
        self.held = 0;
    }

    fn into_stream(self) -> PieceStream {
        futures::stream::unfold(self, |mut rec| async move {
            match rec.inner.next().await {
                Some(Ok(piece)) => {
                    if rec.key.is_some() {
                        let bytes = piece.len() * 2;
                        if rec.held + bytes > rec.shared.capacity {
                            // It could never be filed: an answer longer than the
                            // whole cache must not be held until it ends.
                            rec.give_up();
                            rec.shared.too_large.fetch_add(1, Ordering::Relaxed);
                        } else {
                            rec.held += bytes;
                            rec.shared.recording.fetch_add(bytes, Ordering::Relaxed);
                            rec.pieces.push(piece.clone());
                        }
                    }
                    Some((Ok(piece), rec))
                }
                Some(Err(e)) => {
                    rec.give_up();
                    Some((Err(e), rec))
                }
                None => {
                    if let Some(key) = rec.key.take() {
                        let pieces = std::mem::take(&mut rec.pieces);
                        rec.give_up();
                        let mut lru = rec.shared.lock();
                        // Checked under the lock that `clear` takes: no stale entry slips in.
                        if lru.generation == rec.generation {
                            lru.insert(key, pieces, rec.shared.capacity);
                        }
                    }
                    None
                }
            }
        })
        .boxed()
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        // A stream dropped early (the client left) holds nothing any more.
        self.shared
            .recording
            .fetch_sub(self.held, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Key {
        Key::new(&SpeakRequest::text(text), "af_heart".into())
    }

    /// Speaks one piece holding the number of its `speak` call.
    struct Counting(AtomicU64);

    impl Speech for Counting {
        fn voices(&self) -> Vec<VoiceInfo> {
            Vec::new()
        }
        fn default_voice(&self) -> String {
            "af_heart".into()
        }
        fn speak(&self, _req: SpeakRequest) -> Result<PieceStream, SpeechError> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) as i16;
            Ok(futures::stream::iter([Ok(vec![n; 4])]).boxed())
        }
    }

    fn all(stream: PieceStream) -> Vec<Vec<i16>> {
        futures::executor::block_on(stream.map(Result::unwrap).collect())
    }

    #[test]
    fn an_answer_begun_before_a_clear_is_not_filed_after_it() {
        let cache = CachedSpeech::new(Arc::new(Counting(AtomicU64::new(0))), 1 << 20);
        // Begun with the old voices, finished after the reload emptied the cache.
        let before = cache.speak(SpeakRequest::text("Hello.")).unwrap();
        cache.clear();
        assert_eq!(all(before), vec![vec![0; 4]]);
        assert_eq!(cache.stats().entries, 0, "a stale answer was filed");
        // The next request is spoken anew, and that answer is kept.
        assert_eq!(
            all(cache.speak(SpeakRequest::text("Hello.")).unwrap()),
            vec![vec![1; 4]]
        );
        assert_eq!(
            all(cache.speak(SpeakRequest::text("Hello.")).unwrap()),
            vec![vec![1; 4]]
        );
        let stats = cache.stats();
        assert_eq!((stats.misses, stats.hits, stats.entries), (2, 1, 1));
    }

    /// Speaks `n` pieces of `len` samples each.
    struct Long {
        n: usize,
        len: usize,
    }

    impl Speech for Long {
        fn voices(&self) -> Vec<VoiceInfo> {
            Vec::new()
        }
        fn default_voice(&self) -> String {
            "af_heart".into()
        }
        fn speak(&self, _req: SpeakRequest) -> Result<PieceStream, SpeechError> {
            let len = self.len;
            Ok(futures::stream::iter((0..self.n).map(move |_| Ok(vec![1; len]))).boxed())
        }
    }

    #[test]
    fn an_answer_longer_than_the_cache_is_not_held_while_it_plays() {
        let capacity = 1 << 20;
        // 40 pieces of 256 KiB: 10 MiB of PCM through a 1 MiB cache.
        let cache = CachedSpeech::new(
            Arc::new(Long {
                n: 40,
                len: 128 * 1024,
            }),
            capacity,
        );
        let mut stream = cache.speak(SpeakRequest::text("Long.")).unwrap();
        let mut most = 0;
        let mut pieces = 0;
        while let Some(piece) = futures::executor::block_on(stream.next()) {
            piece.unwrap();
            pieces += 1;
            most = most.max(cache.stats().recording);
        }
        assert_eq!(pieces, 40);
        assert!(
            most <= capacity,
            "recording held {most} bytes, cache is {capacity}"
        );
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.recording, stats.too_large), (0, 0, 1));
        // An answer that fits is still filed, and a dropped one holds nothing.
        let fits = CachedSpeech::new(Arc::new(Long { n: 3, len: 1000 }), capacity);
        assert_eq!(
            all(fits.speak(SpeakRequest::text("Short.")).unwrap()).len(),
            3
        );
        assert_eq!((fits.stats().entries, fits.stats().recording), (1, 0));
        let mut dropped = fits.speak(SpeakRequest::text("Other.")).unwrap();
        futures::executor::block_on(dropped.next())
            .unwrap()
            .unwrap();
        assert!(fits.stats().recording > 0);
        drop(dropped);
        assert_eq!(fits.stats().recording, 0);
    }

    #[test]
    fn whitespace_is_not_part_of_the_key_but_case_is() {
        assert_eq!(key("Hello   world.\n"), key(" Hello world."));
        assert_ne!(key("US"), key("us"));
        let mut fast = SpeakRequest::text("Hello");
        fast.speed = 1.25;
        assert_ne!(Key::new(&fast, "af_heart".into()), key("Hello"));
        // A text that continues an answer is spoken in other pieces.
        let continuing = SpeakRequest {
            continues: true,
            ..SpeakRequest::text("Hello")
        };
        assert_ne!(Key::new(&continuing, "af_heart".into()), key("Hello"));
        assert_ne!(
            Key::new(&SpeakRequest::text("Hello"), "bf_emma".into()),
            key("Hello")
        );
    }

    #[test]
    fn lru_stays_within_its_bound_and_evicts_the_least_recently_used() {
        let mut lru = Lru::default();
        let cap = 3 * (1000 * 2 + 10);
        for t in ["aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"] {
            let mut k = key(t);
            k.default_voice.clear();
            lru.insert(k, vec![vec![0; 1000]], cap);
        }
        assert_eq!(lru.map.len(), 3);
        let mut a = key("aaaaaaaaaa");
        a.default_voice.clear();
        assert!(lru.get(&a).is_some()); // a is now the most recent; b is the oldest
        let mut d = key("dddddddddd");
        d.default_voice.clear();
        lru.insert(d.clone(), vec![vec![0; 1000]], cap);
        assert!(lru.bytes <= cap);
        assert_eq!(lru.map.len(), 3);
        let mut b = key("bbbbbbbbbb");
        b.default_voice.clear();
        assert!(lru.get(&b).is_none());
        assert!(lru.get(&a).is_some() && lru.get(&d).is_some());
        // Larger than the whole cache: not kept, nothing evicted for it.
        lru.insert(key("huge"), vec![vec![0; 10_000]], cap);
        assert_eq!(lru.map.len(), 3);
        assert_eq!(lru.bytes, lru.map.values().map(|e| e.bytes).sum::<usize>());
        assert_eq!(lru.order.len(), lru.map.len());
    }
}
