//! SSML streamed in `synthesize-chunk`s (real model): the chunks are one document,
//! parsed once, whole, on `synthesize-stop`, with one break budget for all of it.

use kokorod::server::ServerConfig;
use kokorod::wyoming::{Event, SynthesizeChunk, SynthesizeStart, TextFormat};

use crate::support::model;
use crate::support::wyoming::{Conn, TestServer};

async fn stream_ssml(conn: &mut Conn, chunks: &[&str]) {
    conn.send(Event::SynthesizeStart(SynthesizeStart {
        voice: None,
        text_format: Some(TextFormat::Ssml),
        context: None,
    }))
    .await;
    for chunk in chunks {
        conn.send(Event::SynthesizeChunk(SynthesizeChunk {
            text: (*chunk).to_owned(),
        }))
        .await;
    }
    conn.send(Event::SynthesizeStop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_ssml_is_one_document_with_one_break_budget() {
    let server = TestServer::start_with(model::speech(), ServerConfig::default()).await;
    let mut conn = Conn::open(&server.tcp).await;

    // Sentences inside one <speak>, cut anywhere, even inside a tag.
    stream_ssml(
        &mut conn,
        &[
            "<speak>Hi. ",
            "Bye.<bre",
            "ak time=\"300ms\"/> See you",
            ".</speak>",
        ],
    )
    .await;
    let audio = conn.audio(1024).await;
    assert!(model::rms(&audio) > 0.01, "spoken");
    assert!(
        matches!(conn.next().await, Event::SynthesizeStopped),
        "then the stream ends"
    );

    // 200 s of breaks in each of two sentences: 400 s in one document, over the
    // 300 s a request may ask for.
    let long = "<break time=\"10s\"/>".repeat(20);
    let first = format!("<speak>One. {long}");
    let second = format!("Two. {long}</speak>");
    stream_ssml(&mut conn, &[&first, &second]).await;
    let error = conn.expect_error("bad-ssml").await;
    assert!(error.contains("300"), "{error}");
    match conn.next().await {
        Event::SynthesizeStopped => {}
        Event::AudioStart(_) | Event::AudioChunk(_) | Event::AudioStop(_) => {
            panic!("no audio for a refused document")
        }
        other => panic!("unexpected {other:?}"),
    }
    server.stop().await;
}
