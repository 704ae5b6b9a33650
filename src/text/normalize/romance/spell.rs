//! Cardinal numbers in words for Spanish, French, Italian and Brazilian Portuguese,
//! written from each language's rules (the `num2words` crate spells only English,
//! French and Ukrainian; four small grammars here keep the four alike).

use super::Romance;

/// The form a number takes before what it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    /// Alone, or before a masculine noun where the language keeps the full form
    /// (Spanish "veintiuno", Italian "ventuno").
    Bare,
    /// Before a masculine noun (Spanish "veintiún grados", Portuguese "dois graus").
    Masculine,
    /// Before a feminine noun ("una hora", "duas horas", "vingt et une heures").
    Feminine,
}

/// Largest number spelt; longer digit strings are read digit by digit.
pub const MAX: u64 = 999_999_999_999;

/// `n` in words.
pub fn cardinal(lang: Romance, n: u64, gender: Gender) -> String {
    match lang {
        Romance::Es => es(n, gender),
        Romance::Fr => fr(n, gender),
        Romance::It => it(n, gender),
        Romance::Pt => pt(n, gender),
    }
}

/// Every digit on its own ("0,05" has the decimals "cero cinco").
pub fn digits(lang: Romance, s: &str) -> String {
    s.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| cardinal(lang, u64::from(d), Gender::Bare))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---- Spanish ----

const ES_UNITS: [&str; 30] = [
    "cero",
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
];
const ES_TENS: [&str; 10] = [
    "",
    "",
    "",
    "treinta",
    "cuarenta",
    "cincuenta",
    "sesenta",
    "setenta",
    "ochenta",
    "noventa",
];
const ES_HUNDREDS: [&str; 10] = [
    "",
    "ciento",
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
];

/// "uno" → "un"/"una" at the end (also "veintiuno" → "veintiún", "veintiuna").
fn es_apocope(words: String, gender: Gender) -> String {
    let (full, short) = match gender {
        Gender::Bare => return words,
        Gender::Masculine => ("veintiuno", "veintiún"),
        Gender::Feminine => ("veintiuno", "veintiuna"),
    };
    if let Some(head) = words.strip_suffix(full) {
        return format!("{head}{short}");
    }
    if words == "uno" || words.ends_with(" uno") {
        let one = if gender == Gender::Feminine {
            "una"
        } else {
            "un"
        };
        return format!("{}{one}", &words[..words.len() - 3]);
    }
    words
}

fn es_below_1000(n: u64, gender: Gender) -> String {
    let feminine = |w: &str| {
        if gender == Gender::Feminine && w.ends_with("ientos") {
            format!("{}as", &w[..w.len() - 2])
        } else {
            w.to_owned()
        }
    };
    let (h, rest) = (n / 100, n % 100);
    let mut parts = Vec::new();
    match (h, rest) {
        (0, _) => {}
        (1, 0) => parts.push("cien".to_owned()),
        (h, _) => parts.push(feminine(ES_HUNDREDS[h as usize])),
    }
    if rest > 0 || n == 0 {
        parts.push(if rest < 30 {
            ES_UNITS[rest as usize].to_owned()
        } else if rest % 10 == 0 {
            ES_TENS[(rest / 10) as usize].to_owned()
        } else {
            format!(
                "{} y {}",
                ES_TENS[(rest / 10) as usize],
                ES_UNITS[(rest % 10) as usize]
            )
        });
    }
    es_apocope(parts.join(" "), gender)
}

fn es_below_million(n: u64, gender: Gender) -> String {
    let (thousands, units) = (n / 1000, n % 1000);
    let mut parts = Vec::new();
    if thousands > 0 {
        if thousands > 1 {
            // "veintiún mil", "doscientas mil personas".
            let g = if gender == Gender::Feminine {
                Gender::Feminine
            } else {
                Gender::Masculine
            };
            parts.push(es_below_1000(thousands, g));
        }
        parts.push("mil".to_owned());
    }
    if units > 0 || n == 0 {
        parts.push(es_below_1000(units, gender));
    }
    parts.join(" ")
}

fn es(n: u64, gender: Gender) -> String {
    // Spanish counts millions up to "mil millones" (10^9) and beyond.
    let (millions, rest) = (n / 1_000_000, n % 1_000_000);
    let mut parts = Vec::new();
    match millions {
        0 => {}
        1 => parts.push("un millón".to_owned()),
        m => parts.push(format!(
            "{} millones",
            es_below_million(m, Gender::Masculine)
        )),
    }
    if rest > 0 || n == 0 {
        parts.push(es_below_million(rest, gender));
    }
    parts.join(" ")
}

// ---- French ----

const FR_UNITS: [&str; 17] = [
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze",
    "douze", "treize", "quatorze", "quinze", "seize",
];
const FR_TENS: [&str; 7] = [
    "",
    "dix",
    "vingt",
    "trente",
    "quarante",
    "cinquante",
    "soixante",
];

fn fr_below_100(n: u64) -> String {
    match n {
        0..=16 => FR_UNITS[n as usize].to_owned(),
        17..=19 => format!("dix-{}", FR_UNITS[(n - 10) as usize]),
        80 => "quatre-vingts".to_owned(),
        81..=99 => format!("quatre-vingt-{}", fr_below_100(n - 80)),
        70..=79 => match n {
            71 => "soixante et onze".to_owned(),
            _ => format!("soixante-{}", fr_below_100(n - 60)),
        },
        _ => {
            let (t, u) = (n / 10, n % 10);
            match u {
                0 => FR_TENS[t as usize].to_owned(),
                1 => format!("{} et un", FR_TENS[t as usize]),
                _ => format!("{}-{}", FR_TENS[t as usize], FR_UNITS[u as usize]),
            }
        }
    }
}

/// Below 1000; `last` says nothing follows, so "cents" and "quatre-vingts" keep their
/// plural s (it goes before "mille", which is no noun, and before more digits).
fn fr_below_1000(n: u64, last: bool) -> String {
    let (h, rest) = (n / 100, n % 100);
    let mut out = match h {
        0 => String::new(),
        1 => "cent".to_owned(),
        h if rest == 0 && last => format!("{} cents", FR_UNITS[h as usize]),
        h => format!("{} cent", FR_UNITS[h as usize]),
    };
    if rest > 0 || n == 0 {
        if !out.is_empty() {
            out.push(' ');
        }
        let mut words = fr_below_100(rest);
        if !last && words == "quatre-vingts" {
            words.pop();
        }
        out.push_str(&words);
    }
    out
}

fn fr(n: u64, gender: Gender) -> String {
    let (billions, millions, thousands, units) = (
        n / 1_000_000_000,
        n / 1_000_000 % 1000,
        n / 1000 % 1000,
        n % 1000,
    );
    let mut parts = Vec::new();
    for (value, one, many) in [
        (billions, "un milliard", "milliards"),
        (millions, "un million", "millions"),
    ] {
        match value {
            0 => {}
            1 => parts.push(one.to_owned()),
            // A noun follows: "deux cents millions" keeps its s.
            v => parts.push(format!("{} {many}", fr_below_1000(v, true))),
        }
    }
    match thousands {
        0 => {}
        1 => parts.push("mille".to_owned()),
        t => parts.push(format!("{} mille", fr_below_1000(t, false))),
    }
    if units > 0 || n == 0 {
        parts.push(fr_below_1000(units, true));
    }
    let words = parts.join(" ");
    if gender == Gender::Feminine
        && (words == "un" || words.ends_with(" un") || words.ends_with("-un"))
    {
        return format!("{words}e");
    }
    words
}

// ---- Italian ----

const IT_UNITS: [&str; 20] = [
    "zero",
    "uno",
    "due",
    "tre",
    "quattro",
    "cinque",
    "sei",
    "sette",
    "otto",
    "nove",
    "dieci",
    "undici",
    "dodici",
    "tredici",
    "quattordici",
    "quindici",
    "sedici",
    "diciassette",
    "diciotto",
    "diciannove",
];
const IT_TENS: [&str; 10] = [
    "",
    "",
    "venti",
    "trenta",
    "quaranta",
    "cinquanta",
    "sessanta",
    "settanta",
    "ottanta",
    "novanta",
];

fn it_below_100(n: u64) -> String {
    if n < 20 {
        return IT_UNITS[n as usize].to_owned();
    }
    let (t, u) = (n / 10, n % 10);
    let tens = IT_TENS[t as usize];
    match u {
        0 => tens.to_owned(),
        // The tens drop their vowel before "uno" and "otto": ventuno, trentotto.
        1 | 8 => format!("{}{}", &tens[..tens.len() - 1], IT_UNITS[u as usize]),
        3 => format!("{tens}tré"),
        _ => format!("{tens}{}", IT_UNITS[u as usize]),
    }
}

fn it_below_1000(n: u64) -> String {
    let (h, rest) = (n / 100, n % 100);
    let hundreds = match h {
        0 => String::new(),
        1 => "cento".to_owned(),
        h => format!("{}cento", IT_UNITS[h as usize]),
    };
    if rest == 0 {
        return if h == 0 { "zero".to_owned() } else { hundreds };
    }
    let rest_words = match rest {
        3 if h > 0 => "tré".to_owned(),
        _ => it_below_100(rest),
    };
    // "cento" drops its o before "otto" and "ottanta": centotto, centottanta.
    if h > 0 && (rest == 8 || (80..90).contains(&rest)) {
        return format!("{}{rest_words}", &hundreds[..hundreds.len() - 1]);
    }
    format!("{hundreds}{rest_words}")
}

fn it(n: u64, gender: Gender) -> String {
    let (billions, millions, thousands, units) = (
        n / 1_000_000_000,
        n / 1_000_000 % 1000,
        n / 1000 % 1000,
        n % 1000,
    );
    let mut parts = Vec::new();
    for (value, one, many) in [
        (billions, "un miliardo", "miliardi"),
        (millions, "un milione", "milioni"),
    ] {
        match value {
            0 => {}
            1 => parts.push(one.to_owned()),
            v => parts.push(format!("{} {many}", it_below_1000(v))),
        }
    }
    // Below a million the number is one word: duemilacentoventitré.
    let mut word = match thousands {
        0 => String::new(),
        1 => "mille".to_owned(),
        t => format!("{}mila", it_below_1000(t)),
    };
    if units > 0 {
        word.push_str(&it_below_1000(units));
    }
    if !word.is_empty() || n == 0 {
        parts.push(if n == 0 { "zero".to_owned() } else { word });
    }
    let words = parts.join(" ");
    match (gender, words.as_str()) {
        (Gender::Feminine, "uno") => "una".to_owned(),
        (Gender::Masculine, "uno") => "un".to_owned(),
        _ => words,
    }
}

// ---- Brazilian Portuguese ----

const PT_UNITS: [&str; 20] = [
    "zero",
    "um",
    "dois",
    "três",
    "quatro",
    "cinco",
    "seis",
    "sete",
    "oito",
    "nove",
    "dez",
    "onze",
    "doze",
    "treze",
    "catorze",
    "quinze",
    "dezesseis",
    "dezessete",
    "dezoito",
    "dezenove",
];
const PT_TENS: [&str; 10] = [
    "",
    "",
    "vinte",
    "trinta",
    "quarenta",
    "cinquenta",
    "sessenta",
    "setenta",
    "oitenta",
    "noventa",
];
const PT_HUNDREDS: [&str; 10] = [
    "",
    "cento",
    "duzentos",
    "trezentos",
    "quatrocentos",
    "quinhentos",
    "seiscentos",
    "setecentos",
    "oitocentos",
    "novecentos",
];

fn pt_unit(n: u64, gender: Gender) -> &'static str {
    match (n, gender) {
        (1, Gender::Feminine) => "uma",
        (2, Gender::Feminine) => "duas",
        _ => PT_UNITS[n as usize],
    }
}

fn pt_below_1000(n: u64, gender: Gender) -> String {
    let (h, rest) = (n / 100, n % 100);
    let mut parts: Vec<String> = Vec::new();
    match (h, rest) {
        (0, _) => {}
        (1, 0) => parts.push("cem".to_owned()),
        (h, _) => {
            let w = PT_HUNDREDS[h as usize];
            parts.push(if gender == Gender::Feminine && w.ends_with("entos") {
                format!("{}as", &w[..w.len() - 2])
            } else {
                w.to_owned()
            });
        }
    }
    if rest > 0 || n == 0 {
        parts.push(if rest < 20 {
            pt_unit(rest, gender).to_owned()
        } else if rest % 10 == 0 {
            PT_TENS[(rest / 10) as usize].to_owned()
        } else {
            format!(
                "{} e {}",
                PT_TENS[(rest / 10) as usize],
                pt_unit(rest % 10, gender)
            )
        });
    }
    parts.join(" e ")
}

fn pt(n: u64, gender: Gender) -> String {
    if n == 0 {
        return "zero".to_owned();
    }
    let groups = [
        (n / 1_000_000_000, "bilhão", "bilhões"),
        (n / 1_000_000 % 1000, "milhão", "milhões"),
        (n / 1000 % 1000, "mil", "mil"),
        (n % 1000, "", ""),
    ];
    let mut parts: Vec<(u64, String)> = Vec::new();
    for (i, (value, one, many)) in groups.into_iter().enumerate() {
        if value == 0 {
            continue;
        }
        // Counted nouns: milhão and bilhão are masculine; mil and the units take the gender.
        let g = if i < 2 { Gender::Masculine } else { gender };
        let words = match (i, value) {
            (2, 1) => "mil".to_owned(),
            (_, 1) if i < 2 => format!("um {one}"),
            (3, v) => pt_below_1000(v, g),
            (_, v) => format!("{} {many}", pt_below_1000(v, g)),
        };
        parts.push((value, words));
    }
    // "e" joins the last group when it is below a hundred or whole hundreds:
    // "mil e quinhentos", "dois milhões e quinhentos mil", but "mil duzentos e trinta".
    let mut out = String::new();
    let last = parts.len() - 1;
    for (i, (value, words)) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(if i == last && (*value < 100 || value % 100 == 0) {
                " e "
            } else {
                " "
            });
        }
        out.push_str(words);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Gender::*;

    fn check(lang: Romance, cases: &[(u64, Gender, &str)]) {
        for &(n, g, want) in cases {
            assert_eq!(cardinal(lang, n, g), want, "{lang:?} {n} {g:?}");
        }
    }

    #[test]
    fn spanish() {
        check(
            Romance::Es,
            &[
                (0, Bare, "cero"),
                (1, Bare, "uno"),
                (1, Masculine, "un"),
                (1, Feminine, "una"),
                (16, Bare, "dieciséis"),
                (21, Bare, "veintiuno"),
                (21, Masculine, "veintiún"),
                (21, Feminine, "veintiuna"),
                (22, Bare, "veintidós"),
                (30, Bare, "treinta"),
                (31, Masculine, "treinta y un"),
                (45, Bare, "cuarenta y cinco"),
                (100, Bare, "cien"),
                (101, Bare, "ciento uno"),
                (115, Bare, "ciento quince"),
                (200, Feminine, "doscientas"),
                (500, Bare, "quinientos"),
                (999, Bare, "novecientos noventa y nueve"),
                (1000, Bare, "mil"),
                (1001, Bare, "mil uno"),
                (2026, Bare, "dos mil veintiséis"),
                (21_000, Bare, "veintiún mil"),
                (100_000, Bare, "cien mil"),
                (1_000_000, Bare, "un millón"),
                (2_500_000, Bare, "dos millones quinientos mil"),
                (1_000_000_000, Bare, "mil millones"),
            ],
        );
    }

    #[test]
    fn french() {
        check(
            Romance::Fr,
            &[
                (0, Bare, "zéro"),
                (1, Feminine, "une"),
                (17, Bare, "dix-sept"),
                (21, Bare, "vingt et un"),
                (21, Feminine, "vingt et une"),
                (22, Bare, "vingt-deux"),
                (70, Bare, "soixante-dix"),
                (71, Bare, "soixante et onze"),
                (77, Bare, "soixante-dix-sept"),
                (80, Bare, "quatre-vingts"),
                (81, Bare, "quatre-vingt-un"),
                (91, Bare, "quatre-vingt-onze"),
                (99, Bare, "quatre-vingt-dix-neuf"),
                (100, Bare, "cent"),
                (101, Bare, "cent un"),
                (200, Bare, "deux cents"),
                (201, Bare, "deux cent un"),
                (1000, Bare, "mille"),
                (2000, Bare, "deux mille"),
                (2026, Bare, "deux mille vingt-six"),
                (80_000, Bare, "quatre-vingt mille"),
                (200_000, Bare, "deux cent mille"),
                (1_000_000, Bare, "un million"),
                (200_000_000, Bare, "deux cents millions"),
                (3_000_000_000, Bare, "trois milliards"),
            ],
        );
    }

    #[test]
    fn italian() {
        check(
            Romance::It,
            &[
                (0, Bare, "zero"),
                (1, Feminine, "una"),
                (1, Masculine, "un"),
                (17, Bare, "diciassette"),
                (21, Bare, "ventuno"),
                (23, Bare, "ventitré"),
                (28, Bare, "ventotto"),
                (38, Bare, "trentotto"),
                (100, Bare, "cento"),
                (103, Bare, "centotré"),
                (108, Bare, "centotto"),
                (180, Bare, "centottanta"),
                (200, Bare, "duecento"),
                (1000, Bare, "mille"),
                (2000, Bare, "duemila"),
                (2026, Bare, "duemilaventisei"),
                (1123, Bare, "millecentoventitré"),
                (1_000_000, Bare, "un milione"),
                (2_500_000, Bare, "due milioni cinquecentomila"),
            ],
        );
    }

    #[test]
    fn brazilian_portuguese() {
        check(
            Romance::Pt,
            &[
                (0, Bare, "zero"),
                (1, Feminine, "uma"),
                (2, Feminine, "duas"),
                (16, Bare, "dezesseis"),
                (19, Bare, "dezenove"),
                (21, Bare, "vinte e um"),
                (22, Feminine, "vinte e duas"),
                (100, Bare, "cem"),
                (101, Bare, "cento e um"),
                (123, Bare, "cento e vinte e três"),
                (200, Feminine, "duzentas"),
                (1000, Bare, "mil"),
                (1500, Bare, "mil e quinhentos"),
                (1250, Bare, "mil duzentos e cinquenta"),
                (2026, Bare, "dois mil e vinte e seis"),
                (1_000_000, Bare, "um milhão"),
                (2_500_000, Bare, "dois milhões e quinhentos mil"),
                (1_000_001, Bare, "um milhão e um"),
                (2_000_000_000, Bare, "dois bilhões"),
            ],
        );
    }
}
