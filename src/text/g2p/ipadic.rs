//! The IPA dictionary for the Japanese analyser. It is built from its sources (Debian's
//! `mecab-ipadic`: EUC-JP CSV files) with each entry's features cut to the fields the
//! reader uses, then kept compiled in the cache dir: building takes 1.5–2 s of CPU and
//! ~200 MB at its peak; reading the compiled file takes a fraction of that, with no peak.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use vibrato::{Dictionary, SystemDictionaryBuilder};

use super::ja::{is_kana, IPADIC_ENV};
use crate::text::error::TextError;

/// Part of every compiled file's key: change it when what is compiled changes (the
/// feature layout of [`compact`], the vibrato version and its file format).
const FORMAT: &str = "kokorod-ipadic-1 vibrato-0.5";
const PREFIX: &str = "ja-ipadic-";
const DEFS: [&str; 3] = ["matrix.def", "char.def", "unk.def"];
/// A compiled IPA dictionary is ~35 MB; anything far larger is not ours.
const MAX_COMPILED: u64 = 256 << 20;

/// The dictionary from the sources in `dir`, through the compiled copy in `cache`.
pub(super) fn load(dir: &Path, cache: Option<&Path>) -> Result<Dictionary, TextError> {
    let sources = Sources::list(dir)?;
    let compiled = cache.map(|c| c.join(format!("{PREFIX}{}.dic", sources.key())));
    if let Some(dict) = compiled.as_deref().and_then(read_compiled) {
        return Ok(dict);
    }
    let dict = sources.build()?;
    if let Some(file) = &compiled {
        match write_compiled(&dict, file) {
            Ok(()) => tracing::debug!("Japanese dictionary compiled into {}", file.display()),
            Err(e) => tracing::debug!("Japanese dictionary not kept in {}: {e}", file.display()),
        }
    }
    Ok(dict)
}

/// The source files of one dictionary.
struct Sources {
    dir: PathBuf,
    /// The lexicon's `*.csv` files, sorted.
    csvs: Vec<String>,
}

impl Sources {
    fn list(dir: &Path) -> Result<Self, TextError> {
        let mut csvs: Vec<String> = fs::read_dir(dir)
            .map_err(|e| missing(dir, &format!("the directory cannot be read ({e})")))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".csv"))
            .collect();
        if csvs.is_empty() {
            return Err(missing(dir, "there are no *.csv files"));
        }
        csvs.sort();
        Ok(Sources {
            dir: dir.to_path_buf(),
            csvs,
        })
    }

    /// Names, sizes and times of every source file: a changed dictionary gets a new key.
    fn key(&self) -> String {
        let mut h = Sha256::new();
        h.update(FORMAT);
        h.update(self.dir.as_os_str().as_encoded_bytes());
        for name in self.csvs.iter().map(String::as_str).chain(DEFS) {
            let (len, mtime) = fs::metadata(self.dir.join(name)).map_or((0, 0), |m| {
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                (m.len(), mtime)
            });
            h.update(format!("\0{name}\0{len}\0{mtime}"));
        }
        h.finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn read(&self, name: &str) -> Result<String, TextError> {
        let bytes = fs::read(self.dir.join(name))
            .map_err(|e| missing(&self.dir, &format!("{name}: {e}")))?;
        decode(&bytes)
            .ok_or_else(|| missing(&self.dir, &format!("{name} is neither UTF-8 nor EUC-JP")))
    }

    fn build(&self) -> Result<Dictionary, TextError> {
        let mut lex = String::new();
        for name in &self.csvs {
            lex.push_str(&self.read(name)?);
            if !lex.ends_with('\n') {
                lex.push('\n');
            }
        }
        let lex = compact(&lex);
        let [matrix, chars, unk] = DEFS.map(|name| self.read(name));
        SystemDictionaryBuilder::from_readers(
            lex.as_bytes(),
            matrix?.as_bytes(),
            chars?.as_bytes(),
            unk?.as_bytes(),
        )
        .map_err(|e| {
            TextError::Dictionary(format!("IPA dictionary in {}: {e}", self.dir.display()))
        })
    }
}

fn missing(dir: &Path, what: &str) -> TextError {
    TextError::Dictionary(format!(
        "Japanese needs the IPA dictionary's sources, but {what} in {}: install the \
         Debian package mecab-ipadic, or point {IPADIC_ENV} at a directory holding \
         its *.csv, matrix.def, char.def and unk.def",
        dir.display()
    ))
}

/// The IPA dictionary ships in EUC-JP; a UTF-8 copy works too.
fn decode(bytes: &[u8]) -> Option<String> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_owned());
    }
    let (s, _, malformed) = encoding_rs::EUC_JP.decode(bytes);
    (!malformed).then(|| s.into_owned())
}

/// Each entry's features cut to what the reader uses: the part of speech (fields 0–2)
/// and the reading, in field 8 (the pronunciation where it is kana, else the reading of
/// field 7). The lexicon holds ~40 % fewer bytes. Rows of another shape stay as they are.
fn compact(lex: &str) -> String {
    let mut out = String::with_capacity(lex.len() * 3 / 5);
    for line in lex.lines() {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 13 || line.contains('"') {
            out.push_str(line);
        } else {
            let reading = [f[12], f[11]]
                .into_iter()
                .find(|r| *r != "*" && r.chars().all(is_kana))
                .unwrap_or("*");
            out.push_str(&f[..7].join(","));
            out.push_str(",*,*,*,*,*,");
            out.push_str(reading);
        }
        out.push('\n');
    }
    out
}

/// The compiled file: the SHA-256 of what follows, then vibrato's own format. A file
/// that is cut short or damaged is not read (and is replaced).
fn read_compiled(file: &Path) -> Option<Dictionary> {
    let len = fs::metadata(file).ok()?.len();
    if len > MAX_COMPILED {
        return None;
    }
    let bytes = fs::read(file).ok()?;
    let (sum, body) = bytes.split_at_checked(32)?;
    if Sha256::digest(body).as_slice() != sum {
        tracing::debug!("{}: damaged, rebuilding it", file.display());
        return None;
    }
    Dictionary::read(body).ok()
}

/// Written under a temporary name and renamed, so a reader never sees half a file;
/// compiled files of other sources or formats are removed.
fn write_compiled(dict: &Dictionary, file: &Path) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut body = Vec::new();
    dict.write(&mut body).map_err(std::io::Error::other)?;
    let tmp = file.with_extension(format!("tmp-{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let mut out = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    out.write_all(&Sha256::digest(&body))?;
    out.write_all(&body)?;
    out.sync_all()?;
    fs::rename(&tmp, file)?;
    for e in fs::read_dir(dir)?.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(PREFIX) && e.path() != file {
            let _ = fs::remove_file(e.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::g2p::ja::IPADIC_DIR;

    fn readings(dict: Dictionary) -> Vec<String> {
        let t = vibrato::Tokenizer::new(dict);
        let mut w = t.new_worker();
        w.reset_sentence("東京駅で友達に会いましょう");
        w.tokenize();
        w.token_iter().map(|t| t.feature().to_string()).collect()
    }

    #[test]
    fn the_compiled_dictionary_is_kept_and_a_damaged_one_rebuilt() {
        let cache = tempfile::tempdir().unwrap();
        let dir = Path::new(IPADIC_DIR);
        let built = readings(load(dir, Some(cache.path())).unwrap());
        let files: Vec<PathBuf> = fs::read_dir(cache.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let file = &files[0];
        let read = read_compiled(file).expect("the compiled file reads back");
        assert_eq!(readings(read), built);
        assert!(
            built
                .iter()
                .any(|f| f.ends_with(",トーキョーエキ") || f.ends_with(",トーキョー")),
            "{built:?}"
        );

        let mut bytes = fs::read(file).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x55;
        fs::write(file, &bytes).unwrap();
        assert!(read_compiled(file).is_none(), "a damaged file is not read");
        assert_eq!(readings(load(dir, Some(cache.path())).unwrap()), built);
        assert!(read_compiled(file).is_some(), "and it was rebuilt");

        fs::write(file, &bytes[..1000]).unwrap();
        assert!(
            read_compiled(file).is_none(),
            "a file cut short is not read"
        );
    }

    #[test]
    fn compact_rows_keep_part_of_speech_and_reading() {
        let lex = "洋裁,1285,1285,5618,名詞,一般,*,*,*,*,洋裁,ヨウサイ,ヨーサイ\n\
                   X,1,1,1,記号,一般,*,*,*,*,X,*,*\n\
                   odd,1,2,3\n";
        assert_eq!(
            compact(lex),
            "洋裁,1285,1285,5618,名詞,一般,*,*,*,*,*,*,ヨーサイ\n\
             X,1,1,1,記号,一般,*,*,*,*,*,*,*\n\
             odd,1,2,3\n"
        );
    }

    #[test]
    fn missing_dictionary_says_what_to_install() {
        let err = match load(Path::new("/nonexistent/ipadic"), None) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("no dictionary there"),
        };
        assert!(
            err.contains("mecab-ipadic") && err.contains(IPADIC_ENV),
            "{err}"
        );
    }
}
