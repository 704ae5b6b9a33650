//! Voice by text, measured: the language guesser on an English corpus of Home
//! Assistant answers (no switch allowed) and on short home-automation sentences in
//! each Latin-script language Kokoro speaks (at least 95 % recognised). Prints the
//! figures.

use kokorod::text::detect::LanguageGuesser;
use kokorod::text::Lang;

fn corpus(name: &str) -> Vec<String> {
    let path = format!("{}/tests/data/language/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn english_home_assistant_answers_never_switch() {
    let g = LanguageGuesser::shared();
    let answers = corpus("en_home_assistant.txt");
    assert!(answers.len() >= 100);
    // A figure for the README (printed, never asserted).
    let t = std::time::Instant::now();
    for a in &answers {
        let _ = g.guess(a, Lang::EnUs);
    }
    eprintln!(
        "mean guess: {:?} per answer",
        t.elapsed() / answers.len() as u32
    );
    for default in [Lang::EnUs, Lang::EnGb] {
        let switched: Vec<_> = answers
            .iter()
            .filter_map(|a| g.guess(a, default).map(|l| format!("{a} → {}", l.bcp47())))
            .collect();
        eprintln!(
            "{}: {} of {} English answers switched",
            default.bcp47(),
            switched.len(),
            answers.len()
        );
        assert!(switched.is_empty(), "{switched:#?}");
    }
}

#[test]
fn short_sentences_are_recognised_per_language() {
    let g = LanguageGuesser::shared();
    for (file, lang) in [
        ("es.txt", Lang::Es),
        ("fr.txt", Lang::Fr),
        ("it.txt", Lang::It),
        ("pt.txt", Lang::PtBr),
    ] {
        let sentences = corpus(file);
        assert!(sentences.len() >= 40);
        let missed: Vec<_> = sentences
            .iter()
            .filter(|s| g.guess(s, Lang::EnUs) != Some(lang))
            .map(|s| format!("{s} → {:?}", g.guess(s, Lang::EnUs)))
            .collect();
        let right = sentences.len() - missed.len();
        eprintln!(
            "{}: {right} of {} recognised; missed: {missed:?}",
            lang.bcp47(),
            sentences.len()
        );
        // At least 95 %.
        assert!(
            right * 100 >= sentences.len() * 95,
            "{}: {missed:#?}",
            lang.bcp47()
        );
    }
}
