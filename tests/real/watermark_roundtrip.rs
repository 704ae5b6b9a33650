//! The mark through the whole daemon: answers over Wyoming and over HTTP in every
//! format the API writes, read back with our decoders and detector; the same with
//! marking off finds nothing. Also what the mark costs per second of audio, printed.

use kokorod::audio::decode::decode_bytes;
use kokorod::watermark::Watermarker;
use std::sync::OnceLock;

use crate::support::in_process::InProcess;
use crate::support::{http, model, rt, GUARD};

fn marker() -> &'static Watermarker {
    static M: OnceLock<Watermarker> = OnceLock::new();
    M.get_or_init(|| Watermarker::load(&model::assets().watermark).expect("watermark model"))
}

fn detect_pcm(samples: &[i16]) -> f32 {
    let f: Vec<f32> = samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
    marker().detect(&f, 24_000).expect("detect")
}

/// Confidences of one answer per front end and format, from a daemon started with
/// `extra` flags. The Wyoming answer is synthesized and marked; the HTTP ones come from
/// the response cache (its own per daemon), each encoded in its format: what is cached
/// is the marked audio.
fn confidences(extra: &[&str], text: &str) -> Vec<(String, f32)> {
    rt().block_on(async {
        let daemon = InProcess::start(extra).await;
        let (wyoming, addr) = (daemon.wyoming.clone(), daemon.http.clone());
        let mut out = Vec::new();
        let health = http::request(&addr, "GET", "/health", &[], b"").await;
        let marking = health.json()["watermark"]
            .as_bool()
            .expect("watermark in /health");
        assert_eq!(marking, !extra.contains(&"--no-watermark"));

        let (_, samples) = tokio::time::timeout(GUARD, kokorod::client::say(&wyoming, text, None))
            .await
            .expect("synthesis hung")
            .expect("synthesis");
        out.push(("wyoming".to_owned(), detect_pcm(&samples)));

        for format in ["wav", "flac", "mp3", "opus", "pcm"] {
            let body = http::speech_body(text, format);
            let answer = tokio::time::timeout(
                GUARD,
                http::request(
                    &addr,
                    "POST",
                    "/v1/audio/speech",
                    &[("content-type", "application/json")],
                    &body,
                ),
            )
            .await
            .expect("HTTP hung");
            assert_eq!(answer.status, 200, "{format}");
            let confidence = if format == "pcm" {
                let pcm: Vec<i16> = answer
                    .body
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]]))
                    .collect();
                detect_pcm(&pcm)
            } else {
                let audio = decode_bytes(&answer.body).unwrap_or_else(|e| panic!("{format}: {e}"));
                marker().detect(&audio.samples, audio.rate).expect("detect")
            };
            out.push((format!("http {format}"), confidence));
        }
        daemon.stop().await;
        out
    })
}

#[test]
fn every_answer_is_marked_and_none_when_marking_is_off() {
    let text = "The front door is locked, and the porch light turns off at eleven.";
    for (what, c) in confidences(&[], text) {
        println!("marked {what}: {c:.4}");
        assert!(c >= 0.9, "{what}: confidence {c}");
    }
    for (what, c) in confidences(&["--no-watermark"], text) {
        println!("unmarked {what}: {c:.4}");
        assert!(c < 0.5, "{what} found marked with marking off: {c}");
    }
}

#[test]
fn marking_costs_little_beside_synthesis() {
    // Printed, not asserted: timings belong to benchmarks.
    let speech = model::speech();
    let text = "Turning on the kitchen lights. The temperature outside is twenty one degrees.";
    let t = std::time::Instant::now();
    let mut pieces = Vec::new();
    rt().block_on(async {
        use futures::StreamExt;
        let mut s =
            kokorod::speech::Speech::speak(&*speech, kokorod::speech::SpeakRequest::text(text))
                .unwrap();
        while let Some(p) = s.next().await {
            pieces.push(p.unwrap());
        }
    });
    let synth = t.elapsed();
    let audio: usize = pieces.iter().map(Vec::len).sum();
    let t = std::time::Instant::now();
    for p in &mut pieces {
        kokorod::speech::mark::mark_piece(marker(), p);
    }
    let mark = t.elapsed();
    let secs = audio as f64 / 24_000.0;
    println!(
        "{secs:.2} s of audio in {} pieces: synthesis {:.0} ms, marking {:.1} ms ({:.1} ms per audio second, {:.1} % of synthesis)",
        pieces.len(),
        synth.as_secs_f64() * 1e3,
        mark.as_secs_f64() * 1e3,
        mark.as_secs_f64() * 1e3 / secs,
        100.0 * mark.as_secs_f64() / synth.as_secs_f64()
    );
    // Marked pieces still meet at zero.
    for p in &pieces {
        assert_eq!((p[0], p[p.len() - 1]), (0, 0));
    }
    let all: Vec<i16> = pieces.concat();
    assert!(detect_pcm(&all) >= 0.9);
}
