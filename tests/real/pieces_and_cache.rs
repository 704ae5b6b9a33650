//! Functional: the first piece of a request is short, pieces join without a
//! click, and the response cache gives back the very same PCM within its byte bound.
//! Real model; the fake speech only to count what reaches the pipeline behind the cache.

use std::sync::Arc;

use futures::StreamExt;
use kokorod::speech::{CachedSpeech, SpeakRequest, Speech};

use crate::support::fake_speech::FakeSpeech;
use crate::support::model::{self, rms, speech};
use crate::support::rt;

fn pieces(s: &dyn Speech, req: SpeakRequest) -> Vec<Vec<i16>> {
    rt().block_on(model::pieces(s, req)).unwrap()
}

const TEXT: &str = "Good morning, it is seven degrees outside and cloudy with light rain expected \
    after lunch. Your first meeting starts at nine thirty in the small conference room. \
    Remember to take an umbrella when you leave the house today.";

#[test]
fn the_first_piece_is_shorter_than_the_rest() {
    let p = pieces(speech().as_ref(), SpeakRequest::text(TEXT));
    assert!(p.len() >= 3, "{} pieces", p.len());
    let first = p[0].len();
    let shortest_later = p[1..].iter().map(Vec::len).min().unwrap();
    assert!(
        first < shortest_later,
        "first piece {first} samples, later ones from {shortest_later}"
    );
    // Short, but still speech: a clause, not a syllable.
    assert!(
        first > 24_000 / 4 && rms(&p[0]) > 0.01,
        "first piece {first} samples, rms {}",
        rms(&p[0])
    );
}

#[test]
fn pieces_join_without_a_click() {
    // Clause cuts, sentence ends and a run-on sentence cut into several inferences.
    let long = "and the list goes on ".repeat(30);
    for text in [TEXT.to_owned(), format!("Well, {long}until the end.")] {
        let p = pieces(speech().as_ref(), SpeakRequest::text(text.clone()));
        for (k, w) in p.windows(2).enumerate() {
            let (end, start) = (*w[0].last().unwrap(), w[1][0]);
            // A step this small is far below anything audible as a click (−50 dBFS).
            assert!(
                (i32::from(end) - i32::from(start)).abs() <= 100,
                "join {k}: {end} → {start}"
            );
            // And the pieces end and begin in quiet, not mid-waveform.
            let tail = &w[0][w[0].len() - 240..];
            let head = &w[1][..240];
            assert!(
                rms(tail) < 0.01 && rms(head) < 0.01,
                "join {k}: tail rms {}, head rms {}",
                rms(tail),
                rms(head)
            );
        }
    }
}

#[test]
fn a_cached_answer_is_the_same_pcm_and_the_cache_keeps_its_bound() {
    let cached = CachedSpeech::new(speech(), 1 << 20);
    let req = || SpeakRequest::text("Turned on the kitchen lights.");
    let first = pieces(&cached, req());
    assert_eq!((cached.stats().hits, cached.stats().misses), (0, 1));
    let again = pieces(
        &cached,
        SpeakRequest::text("Turned on  the kitchen lights.\n"),
    );
    assert_eq!(first, again, "a hit must give back the very same pieces");
    assert_eq!((cached.stats().hits, cached.stats().misses), (1, 1));

    // Another speed is another answer.
    let fast = pieces(
        &cached,
        SpeakRequest {
            speed: 1.3,
            ..req()
        },
    );
    assert!(fast.concat().len() < first.concat().len());
    assert_eq!(cached.stats().misses, 2);

    // A bound that holds any one of these answers but no two keeps one, and stays within it.
    let texts = [
        "Turned on the kitchen lights.",
        "Turned off the hallway lights.",
        "The garage door is closed.",
    ];
    let sizes: Vec<usize> = texts
        .iter()
        .map(|t| pieces(&cached, SpeakRequest::text(*t)).concat().len() * 2)
        .collect();
    let cap = sizes.iter().max().unwrap() + 1024;
    assert!(cap < 2 * sizes.iter().min().unwrap(), "{sizes:?}");
    let small = CachedSpeech::new(speech(), cap);
    for t in texts {
        pieces(&small, SpeakRequest::text(t));
        let s = small.stats();
        assert!(s.bytes <= s.capacity, "{s:?}");
    }
    let s = small.stats();
    assert_eq!(s.entries, 1, "{s:?}");
    // The most recent one is the one kept.
    assert_eq!(
        pieces(&small, SpeakRequest::text(texts[2])),
        pieces(&cached, SpeakRequest::text(texts[2]))
    );
    assert_eq!(small.stats().hits, 1);
}

#[test]
fn only_complete_answers_are_cached_and_a_zero_size_turns_it_off() {
    let fake = Arc::new(FakeSpeech::new());
    let cached = CachedSpeech::new(fake.clone(), 1 << 20);
    let text = "One sentence. Two sentences. Three sentences.";
    rt().block_on(async {
        // Left after the first piece: nothing is filed.
        let mut s = cached.speak(SpeakRequest::text(text)).unwrap();
        s.next().await.unwrap().unwrap();
        drop(s);
        assert_eq!(cached.stats().entries, 0);
        let whole: Vec<_> = cached
            .speak(SpeakRequest::text(text))
            .unwrap()
            .map(|p| p.unwrap())
            .collect()
            .await;
        assert_eq!(whole.len(), 3);
        let hit: Vec<_> = cached
            .speak(SpeakRequest::text(text))
            .unwrap()
            .map(|p| p.unwrap())
            .collect()
            .await;
        assert_eq!(hit, whole);
        assert_eq!(
            fake.speaks(),
            2,
            "the hit never reached the speech behind the cache"
        );
        // A failing answer ("explode" fails mid-audio in the fake) is not kept.
        let bad = "Fine. This will explode now.";
        let r: Vec<_> = cached
            .speak(SpeakRequest::text(bad))
            .unwrap()
            .collect()
            .await;
        assert!(r.iter().any(Result::is_err));
        let _ = cached
            .speak(SpeakRequest::text(bad))
            .unwrap()
            .collect::<Vec<_>>()
            .await;
        assert_eq!(fake.speaks(), 4);
        cached.clear();
        assert_eq!(cached.stats().entries, 0);

        let off = CachedSpeech::new(fake.clone(), 0);
        for _ in 0..2 {
            let _: Vec<_> = off.speak(SpeakRequest::text(text)).unwrap().collect().await;
        }
        assert_eq!(fake.speaks(), 6);
        assert_eq!(off.stats().entries, 0);
    });
}
