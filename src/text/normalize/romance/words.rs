//! Each language's words for what the normalizer reads: units, months, ordinals,
//! currencies and the small words around numbers.

use super::spell::Gender::{self, Feminine as F, Masculine as M};
use super::Romance;

/// A unit: its symbol as written after a number, its gender, singular and plural.
pub type Unit = (&'static str, Gender, &'static str, &'static str);

/// The unit symbols, longest first where one is the start of another.
pub const UNIT_SYMBOLS: [&str; 35] = [
    "µg/m³", "km/h", "Mbps", "MWh", "kWh", "mAh", "hPa", "mbar", "ppm", "Wh", "kW", "mA", "km",
    "cm", "mm", "m²", "m³", "kg", "mg", "ml", "lx", "dB", "GB", "MB", "TB", "min", "ms", "W", "V",
    "A", "m", "g", "l", "s", "h",
];

#[rustfmt::skip]
const ES_UNITS: [Unit; 35] = [
    ("µg/m³", M, "microgramo por metro cúbico", "microgramos por metro cúbico"),
    ("km/h", M, "kilómetro por hora", "kilómetros por hora"), ("Mbps", M, "megabit por segundo", "megabits por segundo"),
    ("MWh", M, "megavatio hora", "megavatios hora"), ("kWh", M, "kilovatio hora", "kilovatios hora"),
    ("mAh", M, "miliamperio hora", "miliamperios hora"), ("hPa", M, "hectopascal", "hectopascales"),
    ("mbar", M, "milibar", "milibares"), ("ppm", F, "parte por millón", "partes por millón"),
    ("Wh", M, "vatio hora", "vatios hora"), ("kW", M, "kilovatio", "kilovatios"), ("mA", M, "miliamperio", "miliamperios"),
    ("km", M, "kilómetro", "kilómetros"), ("cm", M, "centímetro", "centímetros"), ("mm", M, "milímetro", "milímetros"),
    ("m²", M, "metro cuadrado", "metros cuadrados"), ("m³", M, "metro cúbico", "metros cúbicos"),
    ("kg", M, "kilo", "kilos"), ("mg", M, "miligramo", "miligramos"), ("ml", M, "mililitro", "mililitros"),
    ("lx", M, "lux", "lux"), ("dB", M, "decibelio", "decibelios"), ("GB", M, "gigabyte", "gigabytes"),
    ("MB", M, "megabyte", "megabytes"), ("TB", M, "terabyte", "terabytes"), ("min", M, "minuto", "minutos"),
    ("ms", M, "milisegundo", "milisegundos"), ("W", M, "vatio", "vatios"), ("V", M, "voltio", "voltios"),
    ("A", M, "amperio", "amperios"), ("m", M, "metro", "metros"), ("g", M, "gramo", "gramos"),
    ("l", M, "litro", "litros"), ("s", M, "segundo", "segundos"), ("h", F, "hora", "horas"),
];

#[rustfmt::skip]
const FR_UNITS: [Unit; 35] = [
    ("µg/m³", M, "microgramme par mètre cube", "microgrammes par mètre cube"),
    ("km/h", M, "kilomètre par heure", "kilomètres par heure"), ("Mbps", M, "mégabit par seconde", "mégabits par seconde"),
    ("MWh", M, "mégawattheure", "mégawattheures"), ("kWh", M, "kilowattheure", "kilowattheures"),
    ("mAh", M, "milliampère-heure", "milliampères-heure"), ("hPa", M, "hectopascal", "hectopascals"),
    ("mbar", M, "millibar", "millibars"), ("ppm", F, "partie par million", "parties par million"),
    ("Wh", M, "wattheure", "wattheures"), ("kW", M, "kilowatt", "kilowatts"), ("mA", M, "milliampère", "milliampères"),
    ("km", M, "kilomètre", "kilomètres"), ("cm", M, "centimètre", "centimètres"), ("mm", M, "millimètre", "millimètres"),
    ("m²", M, "mètre carré", "mètres carrés"), ("m³", M, "mètre cube", "mètres cubes"),
    ("kg", M, "kilo", "kilos"), ("mg", M, "milligramme", "milligrammes"), ("ml", M, "millilitre", "millilitres"),
    ("lx", M, "lux", "lux"), ("dB", M, "décibel", "décibels"), ("GB", M, "gigaoctet", "gigaoctets"),
    ("MB", M, "mégaoctet", "mégaoctets"), ("TB", M, "téraoctet", "téraoctets"), ("min", F, "minute", "minutes"),
    ("ms", F, "milliseconde", "millisecondes"), ("W", M, "watt", "watts"), ("V", M, "volt", "volts"),
    ("A", M, "ampère", "ampères"), ("m", M, "mètre", "mètres"), ("g", M, "gramme", "grammes"),
    ("l", M, "litre", "litres"), ("s", F, "seconde", "secondes"), ("h", F, "heure", "heures"),
];

#[rustfmt::skip]
const IT_UNITS: [Unit; 35] = [
    ("µg/m³", M, "microgrammo per metro cubo", "microgrammi per metro cubo"),
    ("km/h", M, "chilometro orario", "chilometri orari"), ("Mbps", M, "megabit al secondo", "megabit al secondo"),
    ("MWh", M, "megawattora", "megawattora"), ("kWh", M, "chilowattora", "chilowattora"),
    ("mAh", M, "milliampereora", "milliampereora"), ("hPa", M, "ettopascal", "ettopascal"),
    ("mbar", M, "millibar", "millibar"), ("ppm", F, "parte per milione", "parti per milione"),
    ("Wh", M, "wattora", "wattora"), ("kW", M, "chilowatt", "chilowatt"), ("mA", M, "milliampere", "milliampere"),
    ("km", M, "chilometro", "chilometri"), ("cm", M, "centimetro", "centimetri"), ("mm", M, "millimetro", "millimetri"),
    ("m²", M, "metro quadrato", "metri quadrati"), ("m³", M, "metro cubo", "metri cubi"),
    ("kg", M, "chilo", "chili"), ("mg", M, "milligrammo", "milligrammi"), ("ml", M, "millilitro", "millilitri"),
    ("lx", M, "lux", "lux"), ("dB", M, "decibel", "decibel"), ("GB", M, "gigabyte", "gigabyte"),
    ("MB", M, "megabyte", "megabyte"), ("TB", M, "terabyte", "terabyte"), ("min", M, "minuto", "minuti"),
    ("ms", M, "millisecondo", "millisecondi"), ("W", M, "watt", "watt"), ("V", M, "volt", "volt"),
    ("A", M, "ampere", "ampere"), ("m", M, "metro", "metri"), ("g", M, "grammo", "grammi"),
    ("l", M, "litro", "litri"), ("s", M, "secondo", "secondi"), ("h", F, "ora", "ore"),
];

#[rustfmt::skip]
const PT_UNITS: [Unit; 35] = [
    ("µg/m³", M, "micrograma por metro cúbico", "microgramas por metro cúbico"),
    ("km/h", M, "quilômetro por hora", "quilômetros por hora"), ("Mbps", M, "megabit por segundo", "megabits por segundo"),
    ("MWh", M, "megawatt-hora", "megawatts-hora"), ("kWh", M, "quilowatt-hora", "quilowatts-hora"),
    ("mAh", M, "miliampere-hora", "miliamperes-hora"), ("hPa", M, "hectopascal", "hectopascais"),
    ("mbar", M, "milibar", "milibares"), ("ppm", F, "parte por milhão", "partes por milhão"),
    ("Wh", M, "watt-hora", "watts-hora"), ("kW", M, "quilowatt", "quilowatts"), ("mA", M, "miliampere", "miliamperes"),
    ("km", M, "quilômetro", "quilômetros"), ("cm", M, "centímetro", "centímetros"), ("mm", M, "milímetro", "milímetros"),
    ("m²", M, "metro quadrado", "metros quadrados"), ("m³", M, "metro cúbico", "metros cúbicos"),
    ("kg", M, "quilo", "quilos"), ("mg", M, "miligrama", "miligramas"), ("ml", M, "mililitro", "mililitros"),
    ("lx", M, "lux", "lux"), ("dB", M, "decibel", "decibéis"), ("GB", M, "gigabyte", "gigabytes"),
    ("MB", M, "megabyte", "megabytes"), ("TB", M, "terabyte", "terabytes"), ("min", M, "minuto", "minutos"),
    ("ms", M, "milissegundo", "milissegundos"), ("W", M, "watt", "watts"), ("V", M, "volt", "volts"),
    ("A", M, "ampere", "amperes"), ("m", M, "metro", "metros"), ("g", M, "grama", "gramas"),
    ("l", M, "litro", "litros"), ("s", M, "segundo", "segundos"), ("h", F, "hora", "horas"),
];

/// The unit written `symbol` (one of [`UNIT_SYMBOLS`]).
pub fn unit(lang: Romance, symbol: &str) -> Option<Unit> {
    let table = match lang {
        Romance::Es => &ES_UNITS,
        Romance::Fr => &FR_UNITS,
        Romance::It => &IT_UNITS,
        Romance::Pt => &PT_UNITS,
    };
    table.iter().find(|u| u.0 == symbol).copied()
}

/// The small words of a language.
pub struct Words {
    /// Before a negative number.
    pub minus: &'static str,
    /// Between a number's integer part and its decimals.
    pub decimal: &'static str,
    /// After a percentage.
    pub percent: &'static str,
    /// Degrees: singular, plural.
    pub degree: (&'static str, &'static str),
    /// Between hours and minutes ("" when the minutes simply follow).
    pub hour_join: &'static str,
    /// After the hours of a time: singular, plural (French "heure(s)"; empty where the
    /// language says none).
    pub hours: (&'static str, &'static str),
    /// After whole hours ("19:00"), where the language says "hours" only then.
    pub whole_hours: (&'static str, &'static str),
    /// Between day and month, and month and year, in a date.
    pub date_of: &'static str,
    /// The first day of a month ("premier", "primo", "primeiro"); `None`: the cardinal.
    pub first_day: Option<&'static str>,
    /// January to December.
    pub months: [&'static str; 12],
    /// Between a currency's units and cents.
    pub cents_join: &'static str,
    /// "&".
    pub and: &'static str,
}

/// The words of `lang`.
pub fn words(lang: Romance) -> &'static Words {
    match lang {
        Romance::Es => &Words {
            minus: "menos",
            decimal: "coma",
            percent: "por ciento",
            degree: ("grado", "grados"),
            hour_join: " y ",
            hours: ("", ""),
            whole_hours: ("", ""),
            date_of: " de ",
            first_day: None,
            months: [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ],
            cents_join: " con ",
            and: "y",
        },
        Romance::Fr => &Words {
            minus: "moins",
            decimal: "virgule",
            percent: "pour cent",
            degree: ("degré", "degrés"),
            hour_join: " ",
            hours: ("heure", "heures"),
            whole_hours: ("", ""),
            date_of: " ",
            first_day: Some("premier"),
            months: [
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ],
            cents_join: " et ",
            and: "et",
        },
        Romance::It => &Words {
            minus: "meno",
            decimal: "virgola",
            percent: "per cento",
            degree: ("grado", "gradi"),
            hour_join: " e ",
            hours: ("", ""),
            whole_hours: ("", ""),
            date_of: " ",
            first_day: Some("primo"),
            months: [
                "gennaio",
                "febbraio",
                "marzo",
                "aprile",
                "maggio",
                "giugno",
                "luglio",
                "agosto",
                "settembre",
                "ottobre",
                "novembre",
                "dicembre",
            ],
            cents_join: " e ",
            and: "e",
        },
        Romance::Pt => &Words {
            minus: "menos",
            decimal: "vírgula",
            percent: "por cento",
            degree: ("grau", "graus"),
            hour_join: " e ",
            hours: ("", ""),
            whole_hours: ("hora", "horas"),
            date_of: " de ",
            first_day: Some("primeiro"),
            months: [
                "janeiro",
                "fevereiro",
                "março",
                "abril",
                "maio",
                "junho",
                "julho",
                "agosto",
                "setembro",
                "outubro",
                "novembro",
                "dezembro",
            ],
            cents_join: " e ",
            and: "e",
        },
    }
}

/// A currency: its symbol or code, gender, singular, plural, and the cents' gender,
/// singular and plural.
pub type Currency = (
    &'static str,
    Gender,
    &'static str,
    &'static str,
    Gender,
    &'static str,
    &'static str,
);

/// The currencies of `lang` (Brazil's real only in Portuguese).
pub fn currencies(lang: Romance) -> &'static [Currency] {
    match lang {
        Romance::Es => &[
            ("€", M, "euro", "euros", M, "céntimo", "céntimos"),
            ("$", M, "dólar", "dólares", M, "centavo", "centavos"),
            ("£", F, "libra", "libras", M, "penique", "peniques"),
        ],
        Romance::Fr => &[
            ("€", M, "euro", "euros", M, "centime", "centimes"),
            ("$", M, "dollar", "dollars", M, "cent", "cents"),
            ("£", F, "livre", "livres", M, "penny", "pence"),
        ],
        Romance::It => &[
            ("€", M, "euro", "euro", M, "centesimo", "centesimi"),
            ("$", M, "dollaro", "dollari", M, "centesimo", "centesimi"),
            ("£", F, "sterlina", "sterline", M, "penny", "pence"),
        ],
        Romance::Pt => &[
            ("R$", M, "real", "reais", M, "centavo", "centavos"),
            ("€", M, "euro", "euros", M, "cêntimo", "cêntimos"),
            ("$", M, "dólar", "dólares", M, "centavo", "centavos"),
            ("£", F, "libra", "libras", M, "pêni", "pence"),
        ],
    }
}

/// The ordinal `n` (1–10 from a table, above that as the language builds it), or
/// `None` where the cardinal is what is said.
pub fn ordinal(lang: Romance, n: u64, feminine: bool) -> Option<String> {
    const ES: [&str; 10] = [
        "primero", "segundo", "tercero", "cuarto", "quinto", "sexto", "séptimo", "octavo",
        "noveno", "décimo",
    ];
    const IT: [&str; 10] = [
        "primo", "secondo", "terzo", "quarto", "quinto", "sesto", "settimo", "ottavo", "nono",
        "decimo",
    ];
    const PT: [&str; 10] = [
        "primeiro", "segundo", "terceiro", "quarto", "quinto", "sexto", "sétimo", "oitavo", "nono",
        "décimo",
    ];
    let gendered = |w: &str| {
        if feminine {
            format!("{}a", &w[..w.len() - 1])
        } else {
            w.to_owned()
        }
    };
    let small = (1..=10).contains(&n).then(|| (n - 1) as usize);
    match lang {
        Romance::Es => small.map(|i| gendered(ES[i])),
        Romance::Pt => small.map(|i| gendered(PT[i])),
        Romance::It => match small {
            Some(i) => Some(gendered(IT[i])),
            None => {
                // Undicesimo, ventesimo, ventitreesimo: the cardinal without its last
                // vowel (an accented "tré" keeps its e), then "esimo".
                let c = super::spell::cardinal(lang, n, Gender::Bare);
                let stem = match c.strip_suffix("tré") {
                    Some(head) => format!("{head}tre"),
                    None if c.ends_with(['a', 'e', 'i', 'o']) && !c.ends_with("sei") => {
                        c[..c.len() - 1].to_owned()
                    }
                    None => c,
                };
                Some(gendered(&format!("{stem}esimo")))
            }
        },
        Romance::Fr => Some(match (n, feminine) {
            (1, false) => "premier".to_owned(),
            (1, true) => "première".to_owned(),
            _ => {
                let c = super::spell::cardinal(lang, n, Gender::Bare);
                let stem = if let Some(h) = c.strip_suffix("cinq") {
                    format!("{h}cinqu")
                } else if let Some(h) = c.strip_suffix("neuf") {
                    format!("{h}neuv")
                } else if let Some(h) = c.strip_suffix('e') {
                    h.to_owned()
                } else if c.ends_with("vingts") || c.ends_with("cents") {
                    c[..c.len() - 1].to_owned()
                } else {
                    c
                };
                format!("{stem}ième")
            }
        }),
    }
}
