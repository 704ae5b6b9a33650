//! The subcommands besides `serve`: `say` (a Wyoming client), `speak` (one synthesis
//! in-process), `voices`, `phonemize`, `watermark`, `fetch` and `man`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::assets::{self, AssetPaths};
use crate::cli::{
    FetchArgs, ManArgs, PhonemizeArgs, SayArgs, SpeakArgs, VoicesArgs, WatermarkCommand,
};
use crate::daemon::{load_lexicon, load_watermarker, resolve_assets, start_engine};
use crate::engine::{self, Voices};
use crate::speech::{
    KokoroConfig, KokoroSpeech, MarkedSpeech, SpeakRequest, Speech, TextFormat, VoiceChoice,
};
use crate::text::{self, Lang};

/// `kokorod watermark detect|embed`. Detection's status tells scripts the verdict:
/// 0 every file marked, 1 one is not, 2 one could not be read.
pub fn watermark(cmd: WatermarkCommand) -> Result<std::process::ExitCode> {
    use crate::audio::decode::decode_file;
    use crate::watermark::{Watermarker, THRESHOLD};
    use std::process::ExitCode;
    let data_dir = match &cmd {
        WatermarkCommand::Detect { data_dir, .. } | WatermarkCommand::Embed { data_dir, .. } => {
            data_dir.as_deref()
        }
    };
    let path = assets::find_watermark(data_dir)?;
    // Marking needs only the encoder; detecting needs the decoders too.
    let marker = match cmd {
        WatermarkCommand::Detect { .. } => Watermarker::load(&path)?,
        WatermarkCommand::Embed { .. } => Watermarker::load_embedder(&path)?,
    };
    match cmd {
        WatermarkCommand::Detect { files, .. } => {
            let (mut unmarked, mut unread) = (false, false);
            let mut out = std::io::stdout().lock();
            for file in &files {
                let confidence = decode_file(file)
                    .map_err(anyhow::Error::from)
                    .and_then(|a| Ok(marker.detect(&a.samples, a.rate)?));
                match confidence {
                    Ok(c) => {
                        let marked = c >= THRESHOLD;
                        unmarked |= !marked;
                        let verdict = if marked { "marked" } else { "not marked" };
                        writeln!(out, "{}\t{c:.4}\t{verdict}", file.display())?;
                    }
                    Err(e) => {
                        unread = true;
                        eprintln!("kokorod: {}: {e:#}", file.display());
                    }
                }
            }
            Ok(if unread {
                ExitCode::from(2)
            } else if unmarked {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        WatermarkCommand::Embed {
            input,
            output,
            strength,
            ..
        } => {
            let marker = marker.with_strength(strength);
            let audio =
                decode_file(&input).with_context(|| format!("reading {}", input.display()))?;
            let mut pcm = crate::audio::f32_to_i16(&audio.samples);
            marker
                .embed_i16(&mut pcm, audio.rate)
                .with_context(|| format!("marking {}", input.display()))?;
            write_output(&output, audio.rate, &pcm)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `kokorod man`: writes the man pages.
pub fn man(a: &ManArgs) -> Result<()> {
    crate::manpage::write_all(&a.dir)
        .map(|_| ())
        .with_context(|| format!("writing man pages to {}", a.dir.display()))
}

/// `kokorod say`: asks a running server to speak, writes a WAV.
pub fn say(a: SayArgs) -> Result<()> {
    let text = match a.text {
        Some(t) => t,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading text from stdin")?;
            s
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (fmt, samples) = rt
        .block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(a.timeout),
                crate::client::say(&a.uri, &text, a.voice.as_deref()),
            )
            .await
        })
        .map_err(|_| {
            anyhow::anyhow!("no complete answer from {} within {} s", a.uri, a.timeout)
        })??;
    if fmt.channels != 1 {
        bail!(
            "the server sent {} channels; kokorod say writes mono",
            fmt.channels
        );
    }
    write_output(&a.output, fmt.rate, &samples)
}

/// `kokorod speak`: speaks in this process, writes a WAV.
pub fn speak(a: SpeakArgs) -> Result<()> {
    let text = match a.text {
        Some(t) => t,
        None => {
            let mut s = String::new();
            std::io::stdin()
                .take(a.max_text_chars as u64 * 4 + 1)
                .read_to_string(&mut s)
                .context("reading text from stdin")?;
            s
        }
    };
    let paths = resolve_assets(&a.assets)?;
    let voices = Arc::new(Voices::load(&paths.voices)?);
    // Check the request before paying for the model load.
    voices.resolve(&a.voice)?;
    // Before the model load: a missing watermark network that was asked for fails fast.
    let marker = load_watermarker(&paths, &a.watermark)?;
    let engine = start_engine(&paths, &a.engine)?;
    let lexicon = load_lexicon(&a.lexicon, Some(&paths.data_dir));
    let speech = KokoroSpeech::new(
        engine,
        voices,
        KokoroConfig {
            default_voice: "af_heart".into(),
            max_text_chars: a.max_text_chars,
            pauses: a.pauses.pauses(),
            detect_language: false,
            preload: Vec::new(),
        },
    )?
    .with_lexicon(lexicon);
    let speech = MarkedSpeech::new(Arc::new(speech), marker);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let t = Instant::now();
    let format = if a.ssml {
        TextFormat::Ssml
    } else {
        TextFormat::Text
    };
    let req = SpeakRequest {
        voice: VoiceChoice {
            name: Some(a.voice.clone()),
            language: None,
        },
        speed: a.speed,
        format,
        ..SpeakRequest::text(text)
    };
    let samples = rt.block_on(async {
        use futures::StreamExt;
        let mut stream = speech.speak(req)?;
        let mut all = Vec::new();
        while let Some(piece) = stream.next().await {
            all.extend(piece?);
        }
        Ok::<_, crate::speech::SpeechError>(all)
    })?;
    let secs = samples.len() as f64 / engine::SAMPLE_RATE as f64;
    let took = t.elapsed().as_secs_f64();
    tracing::info!(
        audio_s = format!("{secs:.2}"),
        synth_s = format!("{took:.2}"),
        rtf = format!("{:.3}", took / secs.max(1e-9)),
        "spoke"
    );
    write_output(&a.output, engine::SAMPLE_RATE, &samples)
}

fn write_output(path: &Path, rate: u32, samples: &[i16]) -> Result<()> {
    if path.as_os_str() == "-" {
        let out = std::io::stdout().lock();
        crate::audio::write_wav(out, rate, samples).context("writing to stdout")?;
    } else {
        let f =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        crate::audio::write_wav(std::io::BufWriter::new(f), rate, samples)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// `kokorod voices`: lists the installed voices.
pub fn voices(a: VoicesArgs) -> Result<()> {
    let paths = resolve_assets(&a.assets)?;
    let voices = Voices::load(&paths.voices)?;
    // Tags as the HTTP API and Wyoming give them (`en-US`; the voice table writes `en-us`).
    let infos: Vec<_> = voices
        .infos()
        .into_iter()
        .map(|mut v| {
            v.language = crate::text::bcp47(&v.language);
            v
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &infos)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{:<16} {:<8} {:<8} GRADE",
            "NAME", "LANGUAGE", "GENDER"
        )?;
        for v in infos {
            writeln!(
                out,
                "{:<16} {:<8} {:<8} {}",
                v.name,
                v.language,
                v.gender,
                v.grade.as_deref().unwrap_or("-")
            )?;
        }
    }
    Ok(())
}

/// `kokorod phonemize`: shows what the model is given for a text.
pub fn phonemize(a: PhonemizeArgs) -> Result<()> {
    let Some(lang) = a.voice.chars().next().and_then(Lang::from_voice_prefix) else {
        bail!(
            "voice {:?}: its name does not start with a Kokoro language letter (a b e f h i j p z)",
            a.voice
        );
    };
    let data_dir = AssetPaths::resolve(None, None, None, None)
        .ok()
        .map(|p| p.data_dir);
    let lexicon = load_lexicon(&a.lexicon, data_dir.as_deref());
    let format = if a.ssml {
        TextFormat::Ssml
    } else {
        TextFormat::Text
    };
    let ex = crate::speech::kokoro::explain(&a.text, format, lang, &lexicon)?;
    if ex.pieces.is_empty() {
        bail!("the text has nothing speakable");
    }
    if a.explain {
        if let Some(n) = &ex.normalized {
            println!("normalized: {n}");
        }
        for (i, p) in ex.pieces.iter().enumerate() {
            println!("piece {}: {}", i + 1, p.text);
            if !p.phonemes.is_empty() {
                println!("  phonemes ({} tokens): {}", p.tokens, p.phonemes);
            }
            if a.tokens {
                println!("  tokens: {:?}", text::tokenize(&p.phonemes));
            }
        }
        return Ok(());
    }
    let all = ex
        .pieces
        .iter()
        .filter(|p| !p.phonemes.is_empty())
        .map(|p| p.phonemes.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    println!("{all}");
    if a.tokens {
        println!("{:?}", text::tokenize(&all));
    }
    Ok(())
}

/// `kokorod fetch`: downloads and verifies the assets.
pub fn fetch(a: FetchArgs) -> Result<()> {
    let data_dir = match a.data_dir {
        Some(d) => d,
        None => assets::candidate_dirs(None)
            .into_iter()
            .next()
            .context("no data dir: set --data-dir or KOKOROD_DATA_DIR")?,
    };
    let cache_dir = a
        .cache_dir
        .or_else(default_cache_dir)
        .context("no cache dir: set --cache-dir or KOKOROD_CACHE_DIR")?;
    let opts = assets::FetchOptions {
        data_dir: data_dir.clone(),
        cache_dir,
        runtime: !a.no_runtime,
    };
    assets::fetch(&opts, &mut |line| eprintln!("fetch: {line}"))?;
    eprintln!("fetch: all assets verified in {}", data_dir.display());
    Ok(())
}

fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("kokorod"))
}
