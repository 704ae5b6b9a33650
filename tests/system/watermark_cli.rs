//! `kokorod watermark detect|embed` as a user runs them: speech from another
//! synthesizer (espeak-ng) is not found marked until `embed` marks it, at its own
//! rate; hostile files get a clear error and status 2, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kokorod(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kokorod"))
        .args(args)
        .output()
        .expect("run kokorod")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `path → confidence` from `detect`'s output.
fn confidences(o: &Output) -> Vec<(String, f32)> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "{l}");
            (f[0].to_owned(), f[1].parse().unwrap())
        })
        .collect()
}

fn espeak(dir: &Path, name: &str, voice: &str, text: &str) -> PathBuf {
    let out = dir.join(name);
    let s = Command::new("espeak-ng")
        .args(["-v", voice, "-w"])
        .arg(&out)
        .arg(text)
        .status()
        .expect("espeak-ng (Debian package espeak-ng) runs");
    assert!(s.success());
    out
}

const SENTENCES: [&str; 10] = [
    "Turning on the kitchen lights.",
    "The temperature outside is twenty one degrees.",
    "Your next meeting starts at half past three.",
    "The front door is locked and the alarm is set.",
    "It will rain this evening, so take an umbrella.",
    "The washing machine has finished its cycle.",
    "Good morning, here is the news for today.",
    "The garage door has been open for ten minutes.",
    "Playing your favourite playlist in the living room.",
    "The battery of the smoke detector is low.",
];

#[test]
fn other_speech_is_not_found_marked_until_embed_marks_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut clips = Vec::new();
    for voice in ["en", "en-us", "de", "fr", "es"] {
        for (i, text) in SENTENCES.iter().enumerate() {
            clips.push(espeak(dir.path(), &format!("{voice}-{i}.wav"), voice, text));
        }
    }
    let mut args = vec!["watermark", "detect"];
    args.extend(clips.iter().map(|p| p.to_str().unwrap()));
    let o = kokorod(&args);
    let found = confidences(&o);
    assert_eq!(found.len(), clips.len(), "{}", stderr(&o));
    let positives = found.iter().filter(|(_, c)| *c >= 0.5).count();
    let max = found.iter().map(|(_, c)| *c).fold(0.0, f32::max);
    let mean = found.iter().map(|(_, c)| c).sum::<f32>() / found.len() as f32;
    println!(
        "unmarked espeak-ng clips: {positives} of {} found marked; confidence mean {mean:.4}, max {max:.4}",
        found.len()
    );
    assert_eq!(positives, 0);
    assert_eq!(o.status.code(), Some(1), "status when no file is marked");

    // espeak-ng writes 22.05 kHz: off the STFT grid, marked through the resampler;
    // 24 kHz is on it.
    let at_24k = dir.path().join("en-0-24k.wav");
    let s = Command::new("sox")
        .arg(&clips[0])
        .args(["-r", "24000"])
        .arg(&at_24k)
        .status()
        .expect("sox");
    assert!(s.success());
    let mut marked = Vec::new();
    for (i, input) in [&clips[0], &clips[21], &clips[42], &at_24k]
        .iter()
        .enumerate()
    {
        let out = dir.path().join(format!("marked-{i}.wav"));
        let o = kokorod(&[
            "watermark",
            "embed",
            input.to_str().unwrap(),
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        marked.push(out);
    }
    let mut args = vec!["watermark", "detect"];
    args.extend(marked.iter().map(|p| p.to_str().unwrap()));
    let o = kokorod(&args);
    for (path, c) in confidences(&o) {
        println!("embedded {path}: {c:.4}");
        assert!(c >= 0.9, "{path}: {c}");
    }
    assert_eq!(o.status.code(), Some(0));
    let head = |p: &Path| hound::WavReader::open(p).unwrap().spec().sample_rate;
    assert_eq!(head(&marked[0]), 22_050, "embed keeps the rate");
    assert_eq!(head(&marked[3]), 24_000);
}

fn wav(dir: &Path, name: &str, rate: u32, samples: &[i16]) -> PathBuf {
    let p = dir.join(name);
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&p, spec).unwrap();
    for s in samples {
        w.write_sample(*s).unwrap();
    }
    w.finalize().unwrap();
    p
}

#[test]
fn hostile_files_get_a_clear_error_and_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tone: Vec<i16> = (0..24_000)
        .map(|i| ((i as f32 * 0.1).sin() * 8000.0) as i16)
        .collect();
    let mut huge_claim = std::fs::read(wav(d, "t.wav", 24_000, &tone[..2400])).unwrap();
    huge_claim[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    let huge_claim_path = d.join("huge-claim.wav");
    std::fs::write(&huge_claim_path, huge_claim).unwrap();
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let random_path = d.join("random.bin");
    std::fs::write(&random_path, random).unwrap();
    let empty = d.join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (empty, "empty"),
        (wav(d, "one.wav", 24_000, &[1000]), "too short"),
        (wav(d, "short.wav", 24_000, &tone[..500]), "too short"),
        (random_path, "not a recognised audio format"),
        (wav(d, "silent.wav", 24_000, &[0; 24_000]), "silent"),
        (wav(d, "low-rate.wav", 2_000, &tone[..4000]), "2000 Hz"),
        (d.join("missing.wav"), "No such file"),
    ];
    for (path, expect) in &cases {
        let p = path.to_str().unwrap();
        let o = kokorod(&["watermark", "detect", p]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "detect {p}: {err}");
        assert!(err.contains(expect), "detect {p}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        let out = d.join("out.wav");
        let o = kokorod(&["watermark", "embed", p, out.to_str().unwrap()]);
        let err = stderr(&o);
        // Silence is a valid input to mark (it stays silence); the rest are refused.
        if *expect == "silent" {
            assert!(o.status.success(), "embed {p}: {err}");
        } else {
            assert_eq!(o.status.code(), Some(2), "embed {p}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    // A header claiming 4 GiB over 0.1 s of audio reads as the audio there is.
    let o = kokorod(&["watermark", "detect", huge_claim_path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn speak_marks_its_output_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    let (marked, plain) = (dir.path().join("marked.wav"), dir.path().join("plain.wav"));
    for (out, extra) in [(&marked, None), (&plain, Some("--no-watermark"))] {
        let mut args = vec!["speak", "-t", "The garage door is closed.", "-o"];
        args.push(out.to_str().unwrap());
        args.extend(extra);
        let o = kokorod(&args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = kokorod(&["watermark", "detect", marked.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = kokorod(&["watermark", "detect", plain.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn without_the_network_speech_is_unmarked_with_a_warning_unless_marking_is_required() {
    // A data dir fetched by an older kokorod: model, voices and runtime, no checkpoint.
    let real = crate::support::model::assets();
    let data = tempfile::tempdir().unwrap();
    let link =
        |from: &Path, name: &str| std::os::unix::fs::symlink(from, data.path().join(name)).unwrap();
    link(&real.model, "kokoro-v1.0.int8.onnx");
    link(&real.voices, "voices");
    link(real.runtime.parent().unwrap(), "lib");
    let out = data.path().join("out.wav");
    let speak = |extra: &[&str]| {
        let mut args = vec!["speak", "-t", "Hello there.", "--data-dir"];
        args.push(data.path().to_str().unwrap());
        args.extend(["-o", out.to_str().unwrap()]);
        args.extend(extra);
        kokorod(&args)
    };
    let o = speak(&["--watermark"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing written when marking was required");

    let o = speak(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("NOT watermarked"), "{}", stderr(&o));
    let o = kokorod(&[
        "watermark",
        "detect",
        "--data-dir",
        real.data_dir.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
