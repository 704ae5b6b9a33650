//! The fuzz targets' checks (`fuzz/checks/`) on stable Rust, in every `make test`: each
//! over its committed seeds and a fixed number of mutations of them (bit flips, cut and repeated ranges, splices, the
//! format's own tokens). Inputs that once crashed stay fixed, and every check keeps
//! compiling and holding; coverage-guided exploration is `make fuzz`. A failing input is
//! written to the target dir, to run again with `cargo fuzz run TARGET FILE`.
//!
//! `KOKOROD_FUZZ_SEED` picks another sequence of mutations, `KOKOROD_FUZZ_ROUNDS`
//! multiplies their number.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "../../fuzz/checks/audio_decode.rs"]
mod audio_decode;
#[path = "../../fuzz/checks/config.rs"]
mod config;
#[path = "../../fuzz/checks/espeak.rs"]
mod espeak;
#[path = "../../fuzz/checks/http_guard.rs"]
mod http_guard;
#[path = "../../fuzz/checks/normalize.rs"]
mod normalize;
#[path = "../../fuzz/checks/plan.rs"]
mod plan;
#[path = "../../fuzz/checks/ssml.rs"]
mod ssml;
#[path = "../../fuzz/checks/voice_mix.rs"]
mod voice_mix;
#[path = "../../fuzz/checks/wyoming_codec.rs"]
mod wyoming_codec;

/// Longest mutated input: checks that need length repeat their input themselves.
const MAX_LEN: usize = 8192;

/// One to four edits of `base`.
fn mutate(rng: &mut fastrand::Rng, base: &[u8], pool: &[Vec<u8>], tokens: &[&[u8]]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.usize(..4) {
        let at = rng.usize(..v.len() + 1);
        match rng.usize(..7) {
            0 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] ^= 1 << rng.u32(..8);
            }
            1 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] = rng.u8(..);
            }
            2 => {
                let n = 1 + rng.usize(..8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
                v.splice(at..at, bytes);
            }
            3 => {
                let end = (at + 1 + rng.usize(..64)).min(v.len());
                v.drain(at..end);
            }
            4 if !v.is_empty() => {
                // A range of the input, repeated a few times somewhere else.
                let start = rng.usize(..v.len());
                let end = (start + 1 + rng.usize(..32)).min(v.len());
                let range = v[start..end].repeat(1 + rng.usize(..4));
                v.splice(at..at, range);
            }
            5 if !pool.is_empty() => {
                let other = &pool[rng.usize(..pool.len())];
                let from = rng.usize(..other.len() + 1);
                v.truncate(at);
                v.extend_from_slice(&other[from..]);
            }
            _ if !tokens.is_empty() => {
                let t = tokens[rng.usize(..tokens.len())];
                v.splice(at..at, t.iter().copied());
            }
            _ => {}
        }
    }
    v.truncate(MAX_LEN);
    v
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `fuzz/seeds/NAME`, in a fixed order. (Not `fuzz/corpus/`: what a long
/// `make fuzz` leaves there would make this test's time unpredictable.)
fn inputs(name: &str) -> Vec<Vec<u8>> {
    let dir = fuzz_dir().join("seeds").join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())))
        .collect()
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?}: not a number")),
        Err(_) => default,
    }
}

/// Runs `check` over NAME's inputs, then over `mutations` mutations of them; stops at
/// the first input that fails, saved for `cargo fuzz run`.
fn replay(name: &str, check: fn(&[u8]), mutations: usize, tokens: &[&[u8]]) {
    let seeds = inputs(name);
    assert!(!seeds.is_empty(), "no seeds in fuzz/seeds/{name}");
    let seed = env_number("KOKOROD_FUZZ_SEED", 0x6b6f_6b6f_726f_6400);
    let rounds = env_number("KOKOROD_FUZZ_ROUNDS", 1) as usize;
    // Each target its own sequence, the same in every run.
    let mut rng = fastrand::Rng::with_seed(
        seed ^ name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }),
    );
    let run = |input: &[u8], what: &str| {
        if catch_unwind(AssertUnwindSafe(|| check(input))).is_err() {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join(name);
            std::fs::write(&file, input).unwrap();
            panic!(
                "fuzz check {name} failed on {what} ({} bytes, saved in {}); again with: \
                 cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a {name} {}",
                input.len(),
                file.display(),
                file.display()
            );
        }
    };
    for (i, s) in seeds.iter().enumerate() {
        run(s, &format!("seed {i}"));
    }
    let mut pool = seeds.clone();
    for i in 0..mutations * rounds {
        let base = pool[rng.usize(..pool.len())].clone();
        let m = mutate(&mut rng, &base, &pool, tokens);
        run(&m, &format!("mutation {i}"));
        // Mutations build on mutations, as a fuzzer's corpus grows.
        if rng.usize(..4) == 0 && pool.len() < 256 {
            pool.push(m);
        }
    }
    eprintln!(
        "fuzz check {name}: {} seeds, {} mutations",
        seeds.len(),
        mutations * rounds
    );
}

#[test]
fn the_replay_finds_an_input_its_check_refuses_and_saves_it() {
    // A check no seed fails but edits soon do: two newlines in a row.
    let refuses = |input: &[u8]| assert!(!input.windows(2).any(|w| w == b"\n\n"));
    for seed in inputs("wyoming_codec") {
        refuses(&seed);
    }
    let failed = catch_unwind(|| replay("wyoming_codec", refuses, 10_000, &[b"\n"]));
    let message = *failed
        .expect_err("10,000 mutations never made two newlines")
        .downcast::<String>()
        .unwrap();
    assert!(message.contains("mutation"), "{message}");
    let saved = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures/wyoming_codec");
    assert!(
        std::fs::read(saved)
            .unwrap()
            .windows(2)
            .any(|w| w == b"\n\n"),
        "the failing input is saved"
    );
}

#[test]
fn wyoming_codec() {
    replay(
        "wyoming_codec",
        wyoming_codec::check,
        200_000,
        &[
            b"{\"type\": \"synthesize\", ",
            b"\"data_length\": ",
            b"\"payload_length\": ",
            b"\"data\": {\"text\": \"hi\"}",
            b"99999999999999999999",
            b"-1",
            b"1e999",
            b"null",
            b"\n",
            b"{}",
            b"\\u0000",
        ],
    );
}

#[test]
fn normalize() {
    replay(
        "normalize",
        normalize::check,
        7_500,
        &[
            "21.5 °C".as_bytes(),
            b"7:30 pm",
            b"$1,234.56",
            b"12/25/2024",
            b"**bold** ",
            b"# ",
            b"- ",
            b"50%",
            "½".as_bytes(),
            b"1e40",
            b"Dr. ",
            "１２３".as_bytes(),
        ],
    );
}

#[test]
fn ssml() {
    replay(
        "ssml",
        ssml::check,
        100_000,
        &[
            b"<speak>",
            b"</speak>",
            b"<break time=\"500ms\"/>",
            b"<phoneme alphabet=\"ipa\" ph=\"",
            b"<say-as interpret-as=\"",
            b"<prosody rate=\"",
            b"xml:lang=\"",
            b"&amp;",
            b"<![CDATA[",
            b"<!--",
            b"\"/>",
            b"</",
        ],
    );
}

#[test]
fn plan() {
    replay(
        "plan",
        plan::check,
        1_500,
        &[
            b"<speak>",
            b"</speak>",
            b"<s>",
            b". ",
            b", ",
            b"(",
            b")",
            b"[x](/ks/)",
            b"... ",
            b"\n\n",
            b"1,000 ",
        ],
    );
}

#[test]
fn voice_mix() {
    replay(
        "voice_mix",
        voice_mix::check,
        100_000,
        &[
            b"af_heart",
            b"am_adam",
            b"bf_emma",
            b"(2)",
            b"+",
            b",",
            b"0.5",
            b"1e40",
            b"-",
            b"NaN",
            b"inf",
            b" ",
        ],
    );
}

#[test]
fn config() {
    replay(
        "config",
        config::check,
        1_500,
        &[
            b"\n",
            b" = ",
            b"[",
            b"]",
            b"\"",
            b"voice = ",
            b"uri = ",
            b"cache-size = ",
            b"threads = ",
            b"1e400",
            b"true",
            b"[[x]]",
        ],
    );
}

#[test]
fn audio_decode() {
    replay(
        "audio_decode",
        audio_decode::check,
        50_000,
        &[
            b"RIFF",
            b"WAVE",
            b"fmt ",
            b"data",
            b"fLaC",
            b"OggS",
            b"OpusHead",
            b"ID3",
            b"\xff\xfb",
            b"\xff\xff\xff\xff",
            b"\0\0\0\0",
        ],
    );
}

#[test]
fn http_guard() {
    replay(
        "http_guard",
        http_guard::check,
        100_000,
        &[
            b"\0",
            b"http://",
            b"https://",
            b"application/json",
            b"localhost",
            b"127.0.0.1",
            b"[::1]",
            b":8080",
            b"; charset=utf-8",
            b"null",
            b"kokorod.lan",
        ],
    );
}

#[test]
fn espeak() {
    replay(
        "espeak",
        espeak::check,
        10_000,
        &[
            b" ",
            b"'",
            b"-",
            b"1234",
            "é".as_bytes(),
            "ñ".as_bytes(),
            "नमस्ते".as_bytes(),
            "ção".as_bytes(),
            b"[[",
            b"]]",
            b"_",
        ],
    );
}
