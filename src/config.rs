//! Config files for `kokorod serve`: `/etc/kokorod/kokorod.toml`, then
//! `/etc/kokorod/kokorod.d/*.toml` in name order (a later file wins per key), then
//! the environment, then flags.
//!
//! A key is exactly the long option name of `kokorod serve` (`uri`, `voice`,
//! `data-dir`, …), so every option — including ones added later — has a key with
//! nothing to keep in sync. A file's value is used only where clap found neither a
//! flag nor an environment variable; it is handed to clap as `--key=value`, so the
//! option's own parser checks it (the error names file and key).

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::cli::Cli;

/// The config file read when neither `--config` nor `KOKOROD_CONFIG` names one.
pub const DEFAULT_CONFIG: &str = "/etc/kokorod/kokorod.toml";

/// Options that make no sense inside a config file.
const NOT_KEYS: &[&str] = &["config", "no-config", "check-config", "help", "version"];

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The command line itself (also `--help` and `--version`, which clap prints).
    #[error(transparent)]
    Cli(#[from] clap::Error),
    /// A file named explicitly does not exist.
    #[error("{}: config file not found", .0.display())]
    Missing(PathBuf),
    /// A file could not be read.
    #[error("{}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A file is not valid TOML.
    #[error("{}: {source}", .path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// Where and why.
        source: Box<toml::de::Error>,
    },
    /// A key is no option of `kokorod serve`.
    #[error("{}: unknown key `{key}`{hint}", .path.display())]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// A near key, if any.
        hint: String,
    },
    /// A value does not fit its option.
    #[error("{}: `{key}`: {why}", .path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// What is wrong.
        why: BadValue,
    },
}

/// Why a config file's value does not fit its option.
#[derive(Debug, thiserror::Error)]
pub enum BadValue {
    /// A switch given something other than a boolean.
    #[error("expects true or false, not {0}")]
    NotBoolean(toml::Value),
    /// A table or a date.
    #[error("expects a string, number or boolean, not {0}")]
    NotScalar(&'static str),
    /// A list for an option given once.
    #[error("takes one value, not a list")]
    NotAList,
    /// The option's own parser refused it (clap's first line).
    #[error("{0}")]
    Refused(String),
}

/// The parsed command line with the config files applied.
#[derive(Debug)]
pub struct Effective {
    /// The options.
    pub cli: Cli,
    /// Config files read, in the order applied.
    pub files: Vec<PathBuf>,
    /// Keys whose value came from a file, and which file.
    pub from_files: BTreeMap<String, PathBuf>,
    matches: ArgMatches,
}

/// Two flags that set one setting from either side: a file's value for one yields
/// to the command line's for either.
const PAIRED: &[[&str; 2]] = &[["watermark", "no_watermark"]];

/// Parses `argv` (with the program name first) and, when it serves, applies the
/// config files under the environment and the flags.
pub fn load<I, T>(argv: I) -> Result<Effective, ConfigError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    let mut cmd = Cli::command();
    cmd.build();
    let matches = cmd.clone().try_get_matches_from(&argv)?;
    let Some(serve) = serve_matches(&matches) else {
        let cli = Cli::from_arg_matches(&matches)?;
        return Ok(Effective {
            cli,
            files: Vec::new(),
            from_files: BTreeMap::new(),
            matches,
        });
    };
    let files = config_files(serve)?;
    let table = read_files(&files)?;
    let scope = serve_command(&cmd, &matches);
    let mut injected = Vec::new();
    let mut from_files = BTreeMap::new();
    for (key, (value, path)) in &table {
        let arg = find_arg(scope, key).ok_or_else(|| ConfigError::UnknownKey {
            path: path.clone(),
            key: key.clone(),
            hint: hint(scope, key),
        })?;
        let id = arg.get_id().as_str();
        let alone = [id];
        let ids = PAIRED
            .iter()
            .find(|p| p.contains(&id))
            .map_or(&alone[..], |p| &p[..]);
        let given = ids
            .iter()
            .flat_map(|id| [serve.value_source(id), matches.value_source(id)]);
        if given
            .into_iter()
            .any(|s| matches!(s, Some(ValueSource::CommandLine | ValueSource::EnvVariable)))
        {
            continue;
        }
        let args = to_flags(scope, arg, key, value).map_err(|why| ConfigError::BadValue {
            path: path.clone(),
            key: key.clone(),
            why,
        })?;
        if !args.is_empty() {
            from_files.insert(key.clone(), path.clone());
        }
        injected.extend(args);
    }
    let matches = if injected.is_empty() {
        matches
    } else {
        cmd.try_get_matches_from(argv.iter().cloned().chain(injected))?
    };
    let cli = Cli::from_arg_matches(&matches)?;
    Ok(Effective {
        cli,
        files,
        from_files,
        matches,
    })
}

impl Effective {
    /// The settings in effect, one `key = value  # source` line each (`--check-config`).
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            out.push_str(&format!("# read {}\n", f.display()));
        }
        let Some(serve) = serve_matches(&self.matches) else {
            return out;
        };
        let mut cmd = Cli::command();
        cmd.build();
        for arg in serve_command(&cmd, &self.matches).get_arguments() {
            let Some(key) = arg.get_long().filter(|k| !NOT_KEYS.contains(k)) else {
                continue;
            };
            let id = arg.get_id().as_str();
            let source = match (self.from_files.get(key), serve.value_source(id)) {
                (Some(path), _) => path.display().to_string(),
                (None, Some(ValueSource::CommandLine)) => "flag".into(),
                (None, Some(ValueSource::EnvVariable)) => "environment".into(),
                (None, Some(ValueSource::DefaultValue)) => "default".into(),
                _ => {
                    out.push_str(&format!("# {key} (not set)\n"));
                    continue;
                }
            };
            let value = match raw(serve, id) {
                v if !arg.get_action().takes_values() => (!v.is_empty()).to_string(),
                v if v.len() == 1 && !matches!(arg.get_action(), clap::ArgAction::Append) => {
                    quote(&v[0])
                }
                v => format!(
                    "[{}]",
                    v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
                ),
            };
            out.push_str(&format!("{key} = {value}  # {source}\n"));
        }
        out
    }

    /// Keys whose effective value differs between `self` and `newer` (a reload).
    pub fn changed_keys(&self, newer: &Effective) -> Vec<String> {
        let (Some(a), Some(b)) = (serve_matches(&self.matches), serve_matches(&newer.matches))
        else {
            return Vec::new();
        };
        let mut cmd = Cli::command();
        cmd.build();
        serve_command(&cmd, &self.matches)
            .get_arguments()
            .filter_map(|arg| {
                let key = arg.get_long().filter(|k| !NOT_KEYS.contains(k))?;
                let id = arg.get_id().as_str();
                (raw(a, id) != raw(b, id)).then(|| key.to_owned())
            })
            .collect()
    }
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

fn raw(m: &ArgMatches, id: &str) -> Vec<String> {
    m.get_raw(id)
        .map(|v| v.map(|s| s.to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

/// The matches of the serving command: bare `kokorod` or `kokorod serve`.
fn serve_matches(m: &ArgMatches) -> Option<&ArgMatches> {
    match m.subcommand() {
        None => Some(m),
        Some(("serve", sub)) => Some(sub),
        Some(_) => None,
    }
}

fn serve_command<'a>(cmd: &'a clap::Command, m: &ArgMatches) -> &'a clap::Command {
    match m.subcommand() {
        Some(("serve", _)) => cmd.find_subcommand("serve").unwrap_or(cmd),
        _ => cmd,
    }
}

fn find_arg<'a>(scope: &'a clap::Command, key: &str) -> Option<&'a clap::Arg> {
    if NOT_KEYS.contains(&key) {
        return None;
    }
    scope.get_arguments().find(|a| a.get_long() == Some(key))
}

/// "; did you mean `x`?" for a near key (one edit, or `_` written for `-`).
fn hint(scope: &clap::Command, key: &str) -> String {
    let wanted = key.replace('_', "-");
    let near = scope
        .get_arguments()
        .filter_map(|a| a.get_long())
        .filter(|l| !NOT_KEYS.contains(l))
        .find(|l| *l == wanted || edit_distance(l, &wanted) <= 1);
    near.map(|l| format!("; did you mean `{l}`?"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The main file (if it exists, or an error if it was named and does not), then
/// `<stem>.d/*.toml` beside it in byte order of their names.
fn config_files(serve: &ArgMatches) -> Result<Vec<PathBuf>, ConfigError> {
    if serve.get_flag("no_config") {
        return Ok(Vec::new());
    }
    let explicit = matches!(
        serve.value_source("config"),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    );
    let main = serve
        .get_one::<PathBuf>("config")
        .cloned()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    let mut files = Vec::new();
    match std::fs::metadata(&main) {
        Ok(_) => files.push(main.clone()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if explicit {
                return Err(ConfigError::Missing(main));
            }
        }
        Err(source) => return Err(ConfigError::Read { path: main, source }),
    }
    files.extend(drop_ins(&main)?);
    Ok(files)
}

fn drop_ins(main: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    let stem = main.file_stem().unwrap_or(OsStr::new("kokorod"));
    let mut dir_name = stem.to_os_string();
    dir_name.push(".d");
    let dir = main.with_file_name(dir_name);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(ConfigError::Read { path: dir, source }),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension() == Some(OsStr::new("toml"))
                && !p
                    .file_name()
                    .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."))
        })
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// Every key with its value and the file it came from; a later file wins.
fn read_files(files: &[PathBuf]) -> Result<BTreeMap<String, (toml::Value, PathBuf)>, ConfigError> {
    let mut all = BTreeMap::new();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let table: toml::Table = text.parse().map_err(|source| ConfigError::Toml {
            path: path.clone(),
            source: Box::new(source),
        })?;
        for (key, value) in table {
            all.insert(key, (value, path.clone()));
        }
    }
    Ok(all)
}

/// A file's value as command-line words: arrays repeat the flag, `true` is the bare
/// flag and `false` leaves it out (for options that take no value or an optional
/// one), anything else is `--key=value`, checked by the option's own parser.
fn to_flags(
    scope: &clap::Command,
    arg: &clap::Arg,
    key: &str,
    value: &toml::Value,
) -> Result<Vec<OsString>, BadValue> {
    let takes_values = arg.get_action().takes_values();
    let optional_value = arg.get_num_args().is_some_and(|n| n.min_values() == 0);
    let repeatable = matches!(arg.get_action(), clap::ArgAction::Append);
    let one = |v: &toml::Value| -> Result<Option<OsString>, BadValue> {
        let text = match v {
            // `--watermark[=BOOL]`: `false` must be said, not left out.
            toml::Value::Boolean(false) if optional_value && takes_bool(arg) => "false".into(),
            toml::Value::Boolean(b) if !takes_values || optional_value => {
                return Ok(b.then(|| format!("--{key}").into()))
            }
            _ if !takes_values => return Err(BadValue::NotBoolean(v.clone())),
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => return Err(BadValue::NotScalar(other.type_str())),
        };
        // The option's own parser checks the value now, so the error can name the file.
        let flag = format!("--{key}={text}");
        scope
            .clone()
            .try_get_matches_from([scope.get_name(), &flag])
            .map_err(|e| BadValue::Refused(first_line(&e.to_string())))?;
        Ok(Some(flag.into()))
    };
    match value {
        toml::Value::Array(items) if repeatable => {
            items.iter().filter_map(|v| one(v).transpose()).collect()
        }
        toml::Value::Array(_) => Err(BadValue::NotAList),
        v => Ok(one(v)?.into_iter().collect()),
    }
}

/// An option whose value is a boolean.
fn takes_bool(arg: &clap::Arg) -> bool {
    arg.get_value_parser().type_id() == clap::value_parser!(bool).type_id()
}

/// clap's message without its `error: ` prefix and usage lines.
fn first_line(msg: &str) -> String {
    msg.lines()
        .next()
        .unwrap_or(msg)
        .trim_start_matches("error: ")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    fn serve_args(e: &Effective) -> &crate::cli::ServeArgs {
        match &e.cli.command {
            None => &e.cli.serve,
            Some(Command::Serve(s)) => s,
            _ => panic!("not serving"),
        }
    }

    #[test]
    fn files_apply_in_order_and_flags_win() {
        let d = tempfile::tempdir().unwrap();
        let main = write(d.path(), "kokorod.toml", "voice = \"af_bella\"\nuri = [\"tcp://127.0.0.1:1\", \"unix:///tmp/x.sock\"]\nsocket-mode = \"600\"\nmax-text-chars = 500\n");
        write(d.path(), "kokorod.d/20-later.toml", "voice = \"bf_emma\"\n");
        write(
            d.path(),
            "kokorod.d/10-first.toml",
            "voice = \"am_adam\"\nmax-text-chars = 600\n",
        );
        write(d.path(), "kokorod.d/ignored.conf", "voice = \"nope\"\n");
        let c = main.to_str().unwrap();
        let e = load(["kokorod", "--config", c]).unwrap();
        let s = serve_args(&e);
        assert_eq!(s.voice, "bf_emma");
        assert_eq!(s.max_text_chars, 600);
        assert_eq!(s.socket_mode, 0o600);
        assert_eq!(s.uris, ["tcp://127.0.0.1:1", "unix:///tmp/x.sock"]);
        assert_eq!(e.files.len(), 3);
        assert!(e.files[1].ends_with("10-first.toml") && e.files[2].ends_with("20-later.toml"));
        // A flag beats every file; `serve` reads the same files.
        let e = load(["kokorod", "serve", "--config", c, "--voice", "af_sky"]).unwrap();
        assert_eq!(serve_args(&e).voice, "af_sky");
        assert_eq!(serve_args(&e).max_text_chars, 600);
        assert!(
            e.describe().contains("voice = \"af_sky\"  # flag"),
            "{}",
            e.describe()
        );
        assert!(
            e.describe().contains("max-text-chars = \"600\"  # "),
            "{}",
            e.describe()
        );
        // Other commands ignore config files.
        assert!(load(["kokorod", "voices", "--json"])
            .unwrap()
            .files
            .is_empty());
    }

    #[test]
    fn watermark_is_on_unless_turned_off_by_file_or_flag() {
        let d = tempfile::tempdir().unwrap();
        let on = |argv: &[&str]| {
            serve_args(&load(argv.iter().copied()).unwrap())
                .watermark
                .marking()
                != crate::cli::Marking::Off
        };
        assert!(on(&["kokorod", "serve"]));
        let marking = |argv: &[&str]| {
            serve_args(&load(argv.iter().copied()).unwrap())
                .watermark
                .marking()
        };
        assert_eq!(
            marking(&["kokorod", "serve"]),
            crate::cli::Marking::IfInstalled
        );
        assert_eq!(
            marking(&["kokorod", "serve", "--watermark"]),
            crate::cli::Marking::Required
        );
        let off = write(d.path(), "off.toml", "watermark = false\n");
        let c = off.to_str().unwrap();
        assert!(!on(&["kokorod", "--config", c]));
        assert!(on(&["kokorod", "--config", c, "--watermark"]));
        let yes = write(d.path(), "on.toml", "watermark = true\n");
        assert!(!on(&[
            "kokorod",
            "--config",
            yes.to_str().unwrap(),
            "--no-watermark"
        ]));
        assert!(!on(&["kokorod", "serve", "--watermark=false"]));
        assert!(!on(&["kokorod", "serve", "--watermark", "--no-watermark"]));
        assert!(on(&["kokorod", "serve", "--no-watermark", "--watermark"]));
        let no = write(d.path(), "no.toml", "no-watermark = true\n");
        assert!(!on(&["kokorod", "--config", no.to_str().unwrap()]));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_file_and_key() {
        let d = tempfile::tempdir().unwrap();
        let main = write(d.path(), "k.toml", "voise = \"af_heart\"\n");
        let err = load(["kokorod", "--config", main.to_str().unwrap()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("k.toml: unknown key `voise`; did you mean `voice`?"),
            "{err}"
        );
        write(d.path(), "k.toml", "data_dir = \"/x\"\n");
        let err = load(["kokorod", "--config", main.to_str().unwrap()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown key `data_dir`; did you mean `data-dir`?"),
            "{err}"
        );
        for (text, want) in [
            ("socket-mode = \"999\"", "`socket-mode`"),
            ("max-connections = 0", "`max-connections`"),
            ("voice = [\"a\", \"b\"]", "takes one value"),
            ("no-config = true", "unknown key `no-config`"),
            ("[voice]\nx = 1", "`voice`: expects a string"),
            ("voice = ", "k.toml"),
        ] {
            write(d.path(), "k.toml", text);
            let err = load(["kokorod", "--config", main.to_str().unwrap()])
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(main.to_str().unwrap()) && err.contains(want),
                "{text}: {err}"
            );
        }
        // A named file must exist; the default one may be missing.
        let err = load([
            "kokorod",
            "--config",
            d.path().join("nope.toml").to_str().unwrap(),
        ])
        .unwrap_err();
        assert!(matches!(err, ConfigError::Missing(_)), "{err}");
        assert!(load(["kokorod", "--no-config"]).unwrap().files.is_empty());
    }

    #[test]
    fn changed_keys_lists_what_differs() {
        let d = tempfile::tempdir().unwrap();
        let main = write(d.path(), "kokorod.toml", "voice = \"af_bella\"\n");
        let c = main.to_str().unwrap();
        let a = load(["kokorod", "--config", c]).unwrap();
        write(
            d.path(),
            "kokorod.toml",
            "voice = \"bf_emma\"\nthreads = 1\n",
        );
        let b = load(["kokorod", "--config", c]).unwrap();
        assert_eq!(a.changed_keys(&b), ["voice", "threads"]);
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("voice", "voise"), 1);
        assert_eq!(edit_distance("uri", "url"), 1);
        assert_eq!(edit_distance("voice", "threads"), 7);
    }
}
