use super::*;

fn split(text: &str) -> Vec<String> {
    split_sentences(text)
}

#[test]
fn sentence_cases() {
    let cases: &[(&str, &[&str])] = &[
        ("Hello. World.", &["Hello.", "World."]),
        ("Is it? Yes! Good.", &["Is it?", "Yes!", "Good."]),
        ("No terminator at all", &["No terminator at all"]),
        ("", &[]),
        ("   \n\n  ", &[]),
        // abbreviations and titles
        (
            "Dr. Smith is here. He left.",
            &["Dr. Smith is here.", "He left."],
        ),
        (
            "Mr. and Mrs. Jones came. St. Louis is far.",
            &["Mr. and Mrs. Jones came.", "St. Louis is far."],
        ),
        (
            "Fruit, e.g. apples, i.e. red ones. Next.",
            &["Fruit, e.g. apples, i.e. red ones.", "Next."],
        ),
        (
            "Use e.g. Paris as an example.",
            &["Use e.g. Paris as an example."],
        ),
        (
            "Apples vs. Oranges is a game.",
            &["Apples vs. Oranges is a game."],
        ),
        (
            "Bring pens, paper, etc. The rest is here.",
            &["Bring pens, paper, etc.", "The rest is here."],
        ),
        (
            "Bring pens, paper, etc. and more.",
            &["Bring pens, paper, etc. and more."],
        ),
        (
            "He works at Acme Inc. The pay is good.",
            &["He works at Acme Inc.", "The pay is good."],
        ),
        ("See No. 5 for details.", &["See No. 5 for details."]),
        ("I said no. Then I left.", &["I said no.", "Then I left."]),
        (
            "See p. 12 and fig. 3 there.",
            &["See p. 12 and fig. 3 there."],
        ),
        // initials and initialisms
        (
            "The U.S. Army is big. It is.",
            &["The U.S. Army is big.", "It is."],
        ),
        (
            "J. R. R. Tolkien wrote it.",
            &["J. R. R. Tolkien wrote it."],
        ),
        ("John F. Kennedy spoke.", &["John F. Kennedy spoke."]),
        ("So am I. Then we left.", &["So am I.", "Then we left."]),
        (
            "We meet at 5 p.m. Then we eat.",
            &["We meet at 5 p.m.", "Then we eat."],
        ),
        (
            "We meet at 5 p.m. on Monday.",
            &["We meet at 5 p.m. on Monday."],
        ),
        (
            "She has a Ph.D. in physics.",
            &["She has a Ph.D. in physics."],
        ),
        // numbers, times, domains
        ("It is 3.5 degrees. Cold.", &["It is 3.5 degrees.", "Cold."]),
        ("Pi is .314 of ten. Fine.", &["Pi is .314 of ten.", "Fine."]),
        (
            "Meet at 3:45. Bring food.",
            &["Meet at 3:45.", "Bring food."],
        ),
        (
            "Visit example.com today. Thanks.",
            &["Visit example.com today.", "Thanks."],
        ),
        (
            "It was 1990. 2001 came later.",
            &["It was 1990.", "2001 came later."],
        ),
        (
            "Version 2.0.1 is out. Update now.",
            &["Version 2.0.1 is out.", "Update now."],
        ),
        // ellipses
        ("Wait... what? Really.", &["Wait... what?", "Really."]),
        ("Wait... What now?", &["Wait...", "What now?"]),
        ("Well… Maybe.", &["Well…", "Maybe."]),
        ("Really?! Yes.", &["Really?!", "Yes."]),
        ("Yahoo! is a company.", &["Yahoo! is a company."]),
        // quotes and brackets stay with their sentence
        (
            "He said \"Stop.\" Then he left.",
            &["He said \"Stop.\"", "Then he left."],
        ),
        (
            "He said \"Stop. Now.\" Then he left.",
            &["He said \"Stop. Now.\"", "Then he left."],
        ),
        (
            "She said “Go home. Rest.” We did.",
            &["She said “Go home. Rest.”", "We did."],
        ),
        (
            "It was late (very late. Too late) for us. Bye.",
            &["It was late (very late. Too late) for us.", "Bye."],
        ),
        ("(He left.) We stayed.", &["(He left.)", "We stayed."]),
        ("'Yes.' He nodded.", &["'Yes.'", "He nodded."]),
        ("**Done.** Next step.", &["**Done.**", "Next step."]),
        // lines, paragraphs, lists
        (
            "First paragraph\n\nSecond paragraph",
            &["First paragraph", "Second paragraph"],
        ),
        ("A line\nwrapped here.", &["A line wrapped here."]),
        (
            "Shopping:\n- eggs\n- milk\nThat is all.",
            &["Shopping:", "- eggs", "- milk", "That is all."],
        ),
        (
            "Steps:\n1. Preheat the oven.\n2. Mix.",
            &["Steps:", "1. Preheat the oven.", "2. Mix."],
        ),
        (
            "1. Buy milk. Then go home.",
            &["1. Buy milk.", "Then go home."],
        ),
        ("# Weather\nSunny today.", &["# Weather", "Sunny today."]),
        ("| a | b |\n| c | d |", &["| a | b |", "| c | d |"]),
        (
            "Temperature\n-5 degrees today.",
            &["Temperature -5 degrees today."],
        ),
        (
            "Today: sunny\nTomorrow: rain",
            &["Today: sunny", "Tomorrow: rain"],
        ),
        (
            "Dear John,\nThanks for the note.",
            &["Dear John, Thanks for the note."],
        ),
        // other scripts
        (
            "你好。今天很好！明天呢？",
            &["你好。", "今天很好！", "明天呢？"],
        ),
        ("Großartig. Ça va? Ja.", &["Großartig.", "Ça va?", "Ja."]),
        // whitespace
        (
            "  Spaces   inside.   And\tafter.  ",
            &["Spaces inside.", "And after."],
        ),
    ];
    for (text, want) in cases {
        assert_eq!(split(text), *want, "splitting {text:?}");
    }
}

#[test]
fn unclosed_bracket_does_not_swallow_the_text() {
    let mut text = String::from("Note (unclosed. ");
    for _ in 0..40 {
        text.push_str("Another sentence here. ");
    }
    let sentences = split(&text);
    assert!(sentences.len() > 20, "{sentences:?}");
}

/// Texts for the fragmentation tests: abbreviations, decimals, times, quotes, lists,
/// multi-byte characters.
const TEXTS: &[&str] = &[
    "It is 3.5 degrees. Dr. Smith said so.",
    "Wait... what? Yes! (See p. 4.) \"Fine.\" OK",
    "Call at 3:45 p.m. Then eat.\n\n- Eggs\n- Milk\n1. One. 2. Two",
    "Ça coûte 12,50 €. Très cher… Non? 你好。再见！",
    "The U.S. team won 3-2. J. R. R. Tolkien wrote it. So am I.",
];

const LONG_TEXTS: &[&str] = &[
    "Good morning! Today in Springfield it will be sunny with a high of 21.5 °C and a low of \
     12 °C. Dr. Jones says the pollen count is high, e.g. birch and grass. Wind: 15 km/h from \
     the west... Tomorrow? Rain, about 5 mm. Your meeting is at 3:45 p.m. with Mr. Smith of \
     Acme Inc. Don't forget the U.S. forms (see No. 5). \"Bring an umbrella.\" That's all.\n\n\
     ## Shopping list\n- Milk (2 l)\n- Eggs\n1. Bake the cake.\n2. Eat it.\nThanks for \
     listening… Bye!",
    "The 1990s were fun. In 2005 we moved to St. Louis, i.e. the city on the Mississippi. \
     It cost $1.5 million! Really? Yes. Prices rose 3.2% in Q3 vs. Q2, etc. The report \
     (p. 12, fig. 3) shows it. She said: “It’s fine. Really.” Then she left.\nA new line \
     here\nand a wrapped line. Final sentence without a period",
];

fn stream(fragments: &[&str]) -> Vec<String> {
    let mut s = SentenceStream::new();
    let mut out = Vec::new();
    for f in fragments {
        out.extend(s.push(f));
    }
    out.extend(s.finish());
    out
}

fn words(sentences: &[String]) -> Vec<String> {
    sentences
        .iter()
        .flat_map(|s| s.split_whitespace().map(str::to_string))
        .collect()
}

/// Checks that splitting loses, adds, glues and splits no word. Chinese and Japanese
/// sentences end without a space, so there only the characters are compared.
fn assert_same_words(text: &str, sentences: &[String]) {
    let ink = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    assert_eq!(
        ink(&sentences.concat()),
        ink(text),
        "characters of {text:?}"
    );
    if !text.contains(WIDE_TERMINATORS) {
        let expected: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        assert_eq!(words(sentences), expected, "words of {text:?}");
    }
}

fn boundaries(text: &str) -> Vec<usize> {
    let mut b: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    b.push(text.len());
    b
}

#[test]
fn every_cut_into_two_or_three_fragments_gives_the_same_sentences() {
    for text in TEXTS {
        let whole = split(text);
        assert_same_words(text, &whole);
        let b = boundaries(text);
        for (ai, &a) in b.iter().enumerate() {
            assert_eq!(
                stream(&[&text[..a], &text[a..]]),
                whole,
                "cut at {a} in {text:?}"
            );
            for &c in &b[ai..] {
                let got = stream(&[&text[..a], &text[a..c], &text[c..]]);
                assert_eq!(got, whole, "cuts at {a}, {c} in {text:?}");
            }
        }
    }
}

#[test]
fn random_cuts_of_long_texts_give_the_same_sentences() {
    let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15);
    for text in LONG_TEXTS {
        let whole = split(text);
        assert_same_words(text, &whole);
        assert!(whole.len() > 10, "{whole:?}");
        let b = boundaries(text);
        for _ in 0..3000 {
            let mut cuts = vec![b[rng.usize(..b.len())], b[rng.usize(..b.len())]];
            cuts.sort_unstable();
            let got = stream(&[&text[..cuts[0]], &text[cuts[0]..cuts[1]], &text[cuts[1]..]]);
            assert_eq!(got, whole, "cuts {cuts:?}");
        }
        // And token by token, the way a language model streams: many small pieces.
        for _ in 0..200 {
            let mut pieces = Vec::new();
            let mut at = 0;
            while at < text.len() {
                let mut end = (at + 1 + rng.usize(..8)).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                pieces.push(&text[at..end]);
                at = end;
            }
            assert_eq!(stream(&pieces), whole);
        }
    }
}

#[test]
fn a_number_cut_in_two_stays_one_number() {
    let mut s = SentenceStream::new();
    assert!(s.push("It is 3.").is_empty());
    assert_eq!(s.push("5 degrees. Next"), vec!["It is 3.5 degrees."]);
    assert_eq!(s.finish(), Some("Next".to_string()));
}

#[test]
fn spaces_at_fragment_edges_are_kept_and_words_not_split() {
    assert_eq!(
        stream(&["Hello ", "world. How", " are", " you?"]),
        vec!["Hello world.", "How are you?"]
    );
    assert_eq!(stream(&["Hel", "lo wor", "ld."]), vec!["Hello world."]);
    assert_eq!(
        stream(&["one", " ", "two", "\n", "three."]),
        vec!["one two three."]
    );
}

#[test]
fn sentences_come_out_as_soon_as_they_are_certain() {
    let mut s = SentenceStream::new();
    assert!(
        s.push("Hello there.").is_empty(),
        "the next character is not known yet"
    );
    assert!(s.push(" ").is_empty());
    assert_eq!(s.push("Next"), vec!["Hello there."]);
    assert!(s.push(" one! ").is_empty());
    assert_eq!(s.push("And"), vec!["Next one!"]);
    assert_eq!(s.finish(), Some("And".to_string()));
}

#[test]
fn first_clause_cuts_at_punctuation_first() {
    let (head, rest) = first_clause(
        "Well, if you look at it closely, the answer is clear and simple.",
        3,
        8,
    );
    assert_eq!(head, "Well, if you look at it closely,");
    assert_eq!(rest.as_deref(), Some("the answer is clear and simple."));

    let (head, rest) = first_clause(
        "The forecast: sunny skies all day with a light breeze.",
        2,
        6,
    );
    assert_eq!(head, "The forecast:");
    assert_eq!(
        rest.as_deref(),
        Some("sunny skies all day with a light breeze.")
    );

    let (head, rest) = first_clause("It rained all morning — then the sun came out again.", 2, 6);
    assert_eq!(head, "It rained all morning —");
    assert_eq!(rest.as_deref(), Some("then the sun came out again."));

    let (head, rest) = first_clause("First we cook; then we eat the whole meal together.", 2, 6);
    assert_eq!(head, "First we cook;");
    assert_eq!(
        rest.as_deref(),
        Some("then we eat the whole meal together.")
    );
}

#[test]
fn first_clause_falls_back_to_a_phrase_boundary() {
    let (head, rest) = first_clause(
        "The kitchen lights are on and the front door is locked now.",
        3,
        8,
    );
    assert_eq!(head, "The kitchen lights are on");
    assert_eq!(rest.as_deref(), Some("and the front door is locked now."));

    let (head, rest) = first_clause(
        "I left my keys on the table in the kitchen this morning.",
        3,
        8,
    );
    assert_eq!(head, "I left my keys");
    assert_eq!(
        rest.as_deref(),
        Some("on the table in the kitchen this morning.")
    );
}

#[test]
fn first_clause_respects_its_limits() {
    // Short sentences are not cut.
    assert_eq!(
        first_clause("Turn on the lights.", 2, 6),
        ("Turn on the lights.".to_string(), None)
    );
    // The comma comes too early (one word) and nothing else fits: no cut.
    let s = "Yes, absolutely everything here seems perfectly fine today honestly.";
    assert_eq!(first_clause(s, 2, 4), (s.to_string(), None));
    // The comma is too late.
    let s = "Everything here seems perfectly fine today, honestly speaking, my friend.";
    assert_eq!(first_clause(s, 2, 4).1, None);
    // Never a cut that leaves a single word.
    let (head, rest) = first_clause("One two three four five six seven, eight.", 2, 7);
    assert_eq!(
        (head.as_str(), rest),
        ("One two three four five six seven, eight.", None)
    );
    // No cut inside a number or a time.
    let s = "It costs 1,000 dollars at 3:45 today for everyone here.";
    let (head, rest) = first_clause(s, 2, 6);
    assert_eq!(head, "It costs 1,000 dollars");
    assert_eq!(rest.as_deref(), Some("at 3:45 today for everyone here."));
    // Bad limits.
    assert_eq!(first_clause("A b c d e f g h.", 5, 2).1, None);
    // Whitespace is normalized; words are never split.
    let (head, rest) = first_clause("  Hello   there,  my dear   old friend  ", 1, 3);
    assert_eq!(head, "Hello there,");
    assert_eq!(rest.as_deref(), Some("my dear old friend"));
}

#[test]
fn random_input_never_panics() {
    let mut rng = fastrand::Rng::with_seed(0xDEAD_BEEF_1234_5678);
    let pool: Vec<char> =
        "aZ .!?…。\n\n\t\"'“”()[]{}-*#|>1234567890:;,e.g.U.S.Dr.😀é中\u{301}\u{200d}\r"
            .chars()
            .collect();
    for _ in 0..2000 {
        let len = rng.usize(..80);
        let text: String = (0..len)
            .map(|_| {
                if rng.usize(..10) == 0 {
                    char::from_u32(rng.u32(..0x11_0000)).unwrap_or('x')
                } else {
                    pool[rng.usize(..pool.len())]
                }
            })
            .collect();
        let whole = split(&text);
        assert_same_words(&text, &whole);
        let b = boundaries(&text);
        for _ in 0..10 {
            let mut cuts = [b[rng.usize(..b.len())], b[rng.usize(..b.len())]];
            cuts.sort_unstable();
            let got = stream(&[&text[..cuts[0]], &text[cuts[0]..cuts[1]], &text[cuts[1]..]]);
            assert_eq!(got, whole, "{text:?} cut at {cuts:?}");
        }
        for s in &whole {
            let _ = first_clause(s, rng.usize(..4), rng.usize(..10));
        }
    }
    let long = "Word. ".repeat(20_000) + &"x".repeat(50_000);
    assert_eq!(
        split(&long).len(),
        20_000,
        "the lowercase tail joins the last sentence"
    );
}

#[test]
fn long_runs_are_cut_at_spaces_into_bounded_pieces() {
    assert_eq!(cut_long("Short one.".into(), 400), ["Short one."]);
    let words = "wörd ".repeat(20_000);
    let pieces = cut_long(words.clone(), MAX_PIECE_BYTES);
    assert!(pieces
        .iter()
        .all(|p| p.len() <= MAX_PIECE_BYTES && !p.is_empty()));
    assert!(
        pieces.iter().all(|p| p.split(' ').all(|w| w == "wörd")),
        "words are never split"
    );
    assert_eq!(
        pieces.iter().map(|p| p.split(' ').count()).sum::<usize>(),
        20_000
    );
    // One enormous word: cut at char boundaries, nothing lost.
    let word = "é".repeat(50_001);
    let pieces = cut_long(word.clone(), MAX_PIECE_BYTES);
    assert!(pieces.iter().all(|p| p.len() <= MAX_PIECE_BYTES));
    assert_eq!(pieces.concat(), word);
}
