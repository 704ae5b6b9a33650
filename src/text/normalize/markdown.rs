//! Markdown and emoji from language-model answers: keep the words, drop the markup.
//!
//! Headings, list items and table rows become sentences of their own (a period is added
//! when they have no closing punctuation), links read their text, not their URL, code
//! keeps its content, emoji are dropped.

use std::sync::LazyLock;

use regex::Regex;

use super::rewrite::rewrite;

/// Unifies whitespace, drops invisible and control characters and emoji, decodes the few
/// HTML entities language models emit.
pub(super) fn pre_clean(text: &str) -> String {
    let decoded = if text.contains('&') {
        text.replace("&nbsp;", " ")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    } else {
        text.to_string()
    };
    let mut out = String::with_capacity(decoded.len());
    let mut chars = decoded.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}' => out.push(' '),
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{2060}' | '\u{feff}' => {}
            '\u{2011}' => out.push('-'),
            '\u{2012}' => out.push('–'),
            '\n' => out.push('\n'),
            c if c.is_control() => {}
            c if is_emoji(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Emoji, pictographs and their joiners and modifiers: dropped, never spelled.
fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FBFF      // pictographs, emoticons, transport, flags, supplements
        | 0x2600..=0x27BF      // miscellaneous symbols, dingbats
        | 0x2B00..=0x2BFF      // arrows and stars (⭐, ⬆)
        | 0x2190..=0x21FF      // arrows
        | 0x2300..=0x23FF      // ⌚ ⏰ ⏩ …
        | 0x25A0..=0x25FF      // geometric shapes (▶, ◀, ■)
        | 0x2122 | 0x2139      // ™ ℹ
        | 0x24C2 | 0x2934 | 0x2935 | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0xFE00..=0xFE0F      // variation selectors
        | 0x200D | 0x20E3      // zero-width joiner, keycap
        | 0xE0000..=0xE007F    // tag characters (subdivision flags)
    )
}

static RULE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$").expect("static regex")
});
static HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^#{1,6}\s+(.*?)(?:\s+#+)?\s*$").expect("static regex"));
static BULLET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[-*+•·‣▪]|[0-9]{1,3}[.)])\s+(?:\[[ xX]\]\s+)?(.*)$").expect("static regex")
});
static REF_DEF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[[^\]]+\]:\s+\S+").expect("static regex"));
static TABLE_SEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$").expect("static regex")
});

/// Removes Markdown structure and inline markup.
pub(super) fn strip(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut fence: Option<&str> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
                out.push(String::new());
            } else {
                out.push(line.trim_end().to_string());
            }
            i += 1;
            continue;
        }
        if t.starts_with("```") {
            fence = Some("```");
        } else if t.starts_with("~~~") {
            fence = Some("~~~");
        } else if t.contains('|')
            && lines
                .get(i + 1)
                .is_some_and(|n| TABLE_SEP.is_match(n.trim()))
        {
            i = table(&lines, i, &mut out);
            continue;
        } else if TABLE_SEP.is_match(t) {
            out.push(String::new());
        } else if t.starts_with('|') && t.ends_with('|') && t.len() > 1 {
            // A pipe row without a header separator: read its cells in order.
            let cells = cells(t);
            out.push(sentence(&cells.join(", ")));
        } else if RULE.is_match(t) || REF_DEF.is_match(t) {
            out.push(String::new());
        } else {
            out.push(block_line(t));
        }
        i += 1;
    }
    end_lines(&mut out);
    inline(&out.join("\n"))
}

/// Language models do not hard-wrap: a line that ends without punctuation and is followed
/// by a line that does not go on in lowercase ("Today: sunny" / "Tomorrow: rain") is a
/// unit of its own and gets a period.
fn end_lines(lines: &mut [String]) {
    // The next non-blank line after each line, found in one backward pass.
    let mut next_text: Vec<Option<usize>> = vec![None; lines.len()];
    let mut seen = None;
    for i in (0..lines.len()).rev() {
        next_text[i] = seen;
        if !lines[i].trim().is_empty() {
            seen = Some(i);
        }
    }
    for i in 0..lines.len() {
        let Some(n) = next_text[i] else { continue };
        let continues = n == i + 1 && lines[n].trim().starts_with(char::is_lowercase);
        if !continues && !lines[i].trim().is_empty() {
            lines[i] = sentence(&lines[i]);
        }
    }
}

/// A line's block markup: headings, quotes, bullets.
fn block_line(t: &str) -> String {
    let mut t = t;
    while let Some(rest) = t.strip_prefix('>') {
        t = rest.trim_start();
    }
    if let Some(c) = HEADING.captures(t) {
        return sentence(c.get(1).map_or("", |m| m.as_str()));
    }
    if let Some(c) = BULLET.captures(t) {
        return sentence(c.get(1).map_or("", |m| m.as_str()));
    }
    t.to_string()
}

/// Ends a heading, list item or table row with a period unless it has its own punctuation.
fn sentence(s: &str) -> String {
    let s = s.trim();
    let core = s.trim_end_matches(|c: char| "*_`\"'”’)]".contains(c));
    if s.is_empty() || core.ends_with(|c: char| ".!?:;,…".contains(c)) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

/// The cells of a pipe-table row.
fn cells(row: &str) -> Vec<String> {
    let t = row.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|')
        .map(|c| c.trim().trim_end_matches('.').trim().to_string())
        .collect()
}

/// Reads a table row by row: "Monday: High 21°C, Low 12°C." With two columns a row is a
/// key and its value ("Kitchen: 21°C."), so the header is not read.
fn table(lines: &[&str], start: usize, out: &mut Vec<String>) -> usize {
    let header = cells(lines[start]);
    let mut i = start + 2;
    while i < lines.len() && lines[i].contains('|') && !lines[i].trim().is_empty() {
        let row = cells(lines[i]);
        i += 1;
        if row.iter().all(String::is_empty) {
            continue;
        }
        let spoken = match row.len() {
            1 => row[0].clone(),
            2 => {
                if row[1].is_empty() {
                    row[0].clone()
                } else if row[0].is_empty() {
                    row[1].clone()
                } else {
                    format!("{}: {}", row[0], row[1])
                }
            }
            _ => {
                let pairs: Vec<String> = row
                    .iter()
                    .enumerate()
                    .skip(1)
                    .filter(|(_, c)| !c.is_empty())
                    .map(|(k, c)| match header.get(k).map(|h| h.trim()) {
                        Some(h) if !h.is_empty() => format!("{h} {c}"),
                        _ => c.clone(),
                    })
                    .collect();
                match (row[0].is_empty(), pairs.is_empty()) {
                    (true, _) => pairs.join(", "),
                    (false, true) => row[0].clone(),
                    (false, false) => format!("{}: {}", row[0], pairs.join(", ")),
                }
            }
        };
        out.push(sentence(&spoken));
    }
    i
}

static IMAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"!\[([^\]\n]*)\]\([^)\n]*\)").expect("static regex"));
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[([^\]\n]+)\](?:\([^)\n]*\)|\[[^\]\n]*\])").expect("static regex")
});
static AUTOLINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<((?:https?|ftp)://[^>\s]+|[^>\s@]+@[^>\s]+)>").expect("static regex")
});
static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>\n]*)?/?>").expect("static regex")
});
static CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`+([^`\n]+?)`+").expect("static regex"));
static STRONG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\*\*\*([^*\n]+?)\*\*\*|\*\*([^\n]+?)\*\*|__([^_\n]+?)__|~~([^\n]+?)~~")
        .expect("static regex")
});
static EMPH_STAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\*([^\s*](?:[^*\n]*[^\s*])?)\*").expect("static regex"));
static EMPH_UNDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"_([^\s_](?:[^_\n]*[^\s_])?)_").expect("static regex"));
static ESCAPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\\([*_`#\[\]()>~|\\-])").expect("static regex"));
static STRAY_STARS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\*{2,}").expect("static regex"));

/// Inline markup: links, code, emphasis, HTML tags, escapes.
fn inline(text: &str) -> String {
    let s = IMAGE.replace_all(text, "$1");
    let s = LINK.replace_all(&s, "$1");
    let s = AUTOLINK.replace_all(&s, "$1");
    let s = HTML_TAG.replace_all(&s, " ");
    let s = CODE.replace_all(&s, "$1");
    let s = rewrite(&s, &STRONG, |c, _, _| {
        (1..=4)
            .find_map(|k| c.get(k))
            .map(|m| m.as_str().to_string())
    });
    // Single `*` and `_` mark emphasis only at word edges: "2*3" and "snake_case" stay.
    let s = emphasis(&s, &EMPH_STAR);
    let s = emphasis(&s, &EMPH_UNDER);
    let s = STRAY_STARS.replace_all(&s, "");
    ESCAPE.replace_all(&s, "$1").into_owned()
}

fn emphasis(text: &str, re: &Regex) -> String {
    rewrite(text, re, |c, before, after| {
        let edge = |ch: Option<char>| {
            ch.is_none_or(|ch| !(ch.is_alphanumeric() || ch == '*' || ch == '_'))
        };
        if edge(before.chars().next_back()) && edge(after.chars().next()) {
            c.get(1).map(|m| m.as_str().to_string())
        } else {
            None
        }
    })
}
