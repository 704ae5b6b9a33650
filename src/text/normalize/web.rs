//! URLs, e-mail addresses, domain and file names: "https://example.com/x" → "example dot
//! com slash x", "bob@example.com" → "bob at example dot com".
//!
//! The scheme and "www." are not read (nobody says "h t t p s colon slash slash"), nor are
//! query strings and fragments, which are noise when spoken.

use std::sync::LazyLock;

use regex::Regex;

use super::numbers::digit_words;
use super::rewrite::rewrite;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b")
        .expect("static regex")
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:(?:https?|ftp)://|www\.)[^\s<>"'\[\]{}|\\^`]+"#).expect("static regex")
});
/// IP addresses, with an optional port and path: "192.168.1.10:8123".
static IP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?::[0-9]{1,5})?(?:/[^\s<>"'\[\]{}|\\^`]*)?"#)
        .expect("static regex")
});
/// Domain names without a scheme, for common top-level domains only: "e.g." and "a.m."
/// must not look like domains.
static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|org|net|edu|gov|mil|io|ai|dev|app|co|uk|de|fr|nl|es|it|eu|ca|au|ch|at|se|no|dk|fi|be|info|me|tv|local|lan|home|arpa|xyz|online|site|tech|cloud|page)\b(?:/[^\s<>"'\[\]{}|\\^`]*)?"#,
    )
    .expect("static regex")
});
static FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([A-Za-z0-9][A-Za-z0-9_-]*)\.(yaml|yml|json|toml|txt|md|py|rs|js|ts|sh|csv|pdf|png|jpe?g|gif|svg|mp3|mp4|wav|flac|ogg|zip|gz|conf|cfg|ini|log|xml|html?|css|exe|db|onnx|bin|deb|rpm)\b")
        .expect("static regex")
});

/// Extensions said as letters ("P D F"); the others are read as words ("yaml", "json").
#[rustfmt::skip]
const SPELLED_EXT: &[&str] = &[
    "txt", "md", "py", "rs", "js", "ts", "sh", "csv", "pdf", "png", "jpg", "gif", "svg", "mp3",
    "mp4", "wav", "gz", "cfg", "ini", "xml", "html", "htm", "css", "exe", "db", "deb", "rpm",
];

/// Reads URLs, e-mail addresses, bare domains and file names.
pub(super) fn expand(text: &str) -> String {
    let s = rewrite(text, &EMAIL, |c, _, _| {
        let (local, domain) = c.get(0)?.as_str().split_once('@')?;
        Some(format!(" {} at {} ", read_part(local), read_host(domain)))
    });
    let s = rewrite(&s, &URL, |c, _, _| Some(read_url(c.get(0)?.as_str())));
    let s = rewrite(&s, &IP, |c, before, after| {
        let m = c.get(0)?.as_str();
        let host = m.split([':', '/']).next()?;
        let octets_ok = host
            .split('.')
            .all(|o| o.parse::<u32>().is_ok_and(|v| v <= 255));
        let mut next = after.chars();
        let runs_on = match (next.next(), next.next()) {
            (Some(a), _) if a.is_alphanumeric() => true,
            (Some('.'), Some(b)) => b.is_ascii_digit(),
            _ => false,
        };
        if !octets_ok || runs_on || before.ends_with(|ch: char| ch.is_alphanumeric() || ch == '.') {
            return None;
        }
        Some(read_url(m))
    });
    let s = rewrite(&s, &DOMAIN, |c, before, _| {
        // "bob.smith" after an "@" was an address; "x.com" after "/" is part of a path.
        if before.ends_with(['@', '/', '.']) {
            return None;
        }
        Some(read_url(c.get(0)?.as_str()))
    });
    rewrite(&s, &FILE, |c, _, _| {
        let name = c.get(1)?.as_str().replace(['_', '-'], " ");
        let ext = c.get(2)?.as_str();
        let ext = if SPELLED_EXT.contains(&ext.to_ascii_lowercase().as_str()) {
            ext.to_ascii_uppercase()
        } else {
            ext.to_string()
        };
        Some(format!("{name} dot {ext}"))
    })
}

/// Reads one URL; trailing sentence punctuation is given back to the sentence.
fn read_url(raw: &str) -> String {
    let opens = raw.matches('(').count();
    let core = raw.trim_end_matches(|c: char| ".,;:!?'\"".contains(c) || (c == ')' && opens == 0));
    let tail = &raw[core.len()..];
    let mut rest = core;
    for scheme in ["https://", "http://", "ftp://"] {
        if rest.len() >= scheme.len()
            && rest.is_char_boundary(scheme.len())
            && rest[..scheme.len()].eq_ignore_ascii_case(scheme)
        {
            rest = &rest[scheme.len()..];
        }
    }
    if rest.len() >= 4 && rest.is_char_boundary(4) && rest[..4].eq_ignore_ascii_case("www.") {
        rest = &rest[4..];
    }
    // Query strings and fragments are not read.
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (hostport, None),
    };
    let mut out = read_host(host);
    if let Some(p) = port {
        out.push_str(" colon ");
        out.push_str(&digit_words(p));
    }
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        out.push_str(" slash ");
        out.push_str(&read_part(&seg.replace("%20", " ")));
    }
    format!(" {out}{tail} ")
}

/// Reads a host name; an IP address digit by digit, a two-letter top-level domain as
/// letters ("U K").
fn read_host(host: &str) -> String {
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    if !labels.is_empty() && labels.iter().all(|l| l.bytes().all(|b| b.is_ascii_digit())) {
        return labels
            .iter()
            .map(|l| digit_words(l))
            .collect::<Vec<_>>()
            .join(" dot ");
    }
    let n = labels.len();
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == n && n > 1 && (l.len() == 2 || l.eq_ignore_ascii_case("io")) {
                l.to_ascii_uppercase()
            } else {
                read_part(&l.to_lowercase())
            }
        })
        .collect::<Vec<_>>()
        .join(" dot ")
}

/// Reads the punctuation inside a name: "john.smith-jr" → "john dot smith dash jr".
fn read_part(part: &str) -> String {
    let mut out = String::with_capacity(part.len() + 8);
    for c in part.chars() {
        match c {
            '.' => out.push_str(" dot "),
            '-' => out.push_str(" dash "),
            '_' => out.push_str(" underscore "),
            '+' => out.push_str(" plus "),
            '%' | '=' | '&' | '~' => out.push(' '),
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}
