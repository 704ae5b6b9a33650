//! A text streamed to the Wyoming server a few words at a time sounds the same as the
//! text sent whole: only the answer's first sentence has its leading clause spoken as
//! a piece of its own, the later sentences are spoken whole in both. Real model, real
//! pipeline and response cache, real server.

use std::sync::Arc;

use kokorod::server::ServerConfig;
use kokorod::speech::{CachedSpeech, SpeakRequest};
use kokorod::wyoming::{Event, SynthesizeChunk, SynthesizeStart};

use crate::support::model::{self, speech};
use crate::support::wyoming::{synthesize, Conn, TestServer};

/// Three sentences each long enough, and with a comma, to have a leading clause cut off.
const SENTENCES: [&str; 3] = [
    "Good morning, it is seven degrees outside and cloudy with some wind.",
    "Your first meeting, the weekly review, starts at nine thirty in the small room.",
    "Later today, the rain is expected to stop just after lunch time.",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_text_is_spoken_as_the_same_text_sent_whole() {
    // The premise: a new answer made of the second sentence alone is cut in two.
    let alone = model::pieces(speech().as_ref(), SpeakRequest::text(SENTENCES[1]))
        .await
        .unwrap();
    assert_eq!(alone.len(), 2, "the second sentence has a leading clause");

    let server = TestServer::start_with(
        Arc::new(CachedSpeech::new(speech(), 32 << 20)),
        ServerConfig::default(),
    )
    .await;
    let mut conn = Conn::open(&server.tcp).await;

    conn.send(synthesize(&SENTENCES.join(" "), None)).await;
    let whole = conn.audio(usize::MAX).await;

    // As a language model streams: three words per chunk.
    conn.send(Event::SynthesizeStart(SynthesizeStart::default()))
        .await;
    let words: Vec<&str> = SENTENCES.iter().flat_map(|s| s.split(' ')).collect();
    for chunk in words.chunks(3) {
        conn.send(Event::SynthesizeChunk(SynthesizeChunk {
            text: format!("{} ", chunk.join(" ")),
        }))
        .await;
    }
    conn.send(Event::SynthesizeStop).await;
    let mut streamed = Vec::new();
    for sentence in SENTENCES {
        let audio = conn.audio(usize::MAX).await;
        assert!(!audio.is_empty(), "no audio for {sentence:?}");
        streamed.push(audio);
    }
    assert!(matches!(conn.next().await, Event::SynthesizeStopped));

    let lengths: Vec<usize> = streamed.iter().map(Vec::len).collect();
    assert_eq!(
        streamed.concat().len(),
        whole.len(),
        "streamed sentences of {lengths:?} samples against {} sent whole",
        whole.len()
    );
    assert!(
        streamed.concat() == whole,
        "the same pieces, yet other samples"
    );
    server.stop().await;
}
