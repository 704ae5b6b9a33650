//! Our watermark against Resemble AI's own Python package (resemble-perth 1.0.1): 1 s
//! of kokorod speech marked by the reference once (`bench/watermark/make_fixtures.py`),
//! stored in `tests/data/watermark/` with the reference detector's confidences.

use crate::support::model;
use kokorod::watermark::Watermarker;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn marker() -> &'static Watermarker {
    static M: OnceLock<Watermarker> = OnceLock::new();
    M.get_or_init(|| {
        Watermarker::load(&model::assets().watermark)
            .unwrap_or_else(|e| panic!("{e} (run `make fetch`)"))
    })
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/watermark")
        .join(name)
}

/// Samples as float, whatever the WAV holds, and the rate.
fn read(name: &str) -> (Vec<f32>, u32) {
    let mut r = hound::WavReader::open(fixture(name)).unwrap();
    let spec = r.spec();
    let samples = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => r
            .samples::<i32>()
            .map(|s| s.unwrap() as f32 / 32768.0)
            .collect(),
    };
    (samples, spec.sample_rate)
}

fn reference_confidence(file: &str) -> f32 {
    let text = std::fs::read_to_string(fixture("reference.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["files"][file]["confidence"].as_f64().unwrap() as f32
}

fn energy(x: impl Iterator<Item = f32>) -> f32 {
    x.map(|v| v * v).sum()
}

/// How far our mark is from the reference's, in dB under the reference's mark.
fn mark_error_db(input: &[f32], ours: &[f32], reference: &[f32]) -> f32 {
    let n = reference.len().min(ours.len());
    let mark = energy((0..n).map(|i| reference[i] - input[i]));
    let error = energy((0..n).map(|i| ours[i] - reference[i]));
    10.0 * (mark / error.max(1e-30)).log10()
}

#[test]
fn at_32_khz_our_encoder_gives_the_reference_output() {
    let (input, rate) = read("speech32.wav");
    let (reference, _) = read("speech32_marked_ref.wav");
    assert_eq!(rate, 32_000);
    let mut ours = input.clone();
    marker().embed(&mut ours, rate).unwrap();
    let db = mark_error_db(&input, &ours, &reference);
    let max = ours
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    println!("32 kHz: our mark is {db:.1} dB under the reference's difference from it; max |diff| {max:.2e}");
    // Same network, same STFT: only float rounding apart.
    assert!(db > 60.0, "{db:.1} dB");
}

#[test]
fn at_24_khz_our_mark_matches_the_reference_through_its_resampler() {
    let (input, rate) = read("speech24.wav");
    let (reference, _) = read("speech24_marked_ref.wav");
    assert_eq!(rate, 24_000);
    let mut ours = input.clone();
    marker().embed(&mut ours, rate).unwrap();
    let db = mark_error_db(&input, &ours, &reference);
    println!("24 kHz: our mark (no resampling) is {db:.1} dB under the reference's difference from it (it resamples to 32 kHz and back)");
    assert!(db > 20.0, "{db:.1} dB");
}

#[test]
fn our_detector_agrees_with_the_reference_detector() {
    for name in [
        "speech24",
        "speech32",
        "speech32_marked_ref",
        "speech24_marked_ref",
    ] {
        let (x, rate) = read(&format!("{name}.wav"));
        let ours = marker().detect(&x, rate).unwrap();
        let theirs = reference_confidence(name);
        println!("{name}: ours {ours:.5}, reference {theirs:.5}");
        assert!((ours - theirs).abs() < 0.01, "{name}: {ours} vs {theirs}");
    }
}

#[test]
fn a_weaker_mark_changes_the_sound_less() {
    let (input, rate) = read("speech24.wav");
    let full = Watermarker::load(&model::assets().watermark).unwrap();
    let half = Watermarker::load(&model::assets().watermark)
        .unwrap()
        .with_strength(0.5);
    let mark = |m: &Watermarker| {
        let mut x = input.clone();
        m.embed(&mut x, rate).unwrap();
        let e = energy(x.iter().zip(&input).map(|(a, b)| a - b));
        (e, m.detect(&x, rate).unwrap())
    };
    let ((e1, c1), (e2, c2)) = (mark(&full), mark(&half));
    println!("strength 1: mark energy {e1:.3e}, confidence {c1:.4}; 0.5: {e2:.3e}, {c2:.4}");
    // Half the residual in decibels: about a quarter of the change's energy.
    assert!((0.15..0.4).contains(&(e2 / e1)), "{}", e2 / e1);
    assert!(c1 > 0.99 && c2 < c1, "{c1} {c2}");
}
