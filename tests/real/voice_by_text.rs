//! Voice by text with the real pipeline: a request that names no voice is read by a
//! voice of its text's language (the same audio as asking for that voice by name),
//! English stays with the default voice, and the setting turns it off.

use kokorod::speech::{KokoroConfig, KokoroSpeech, SpeakRequest, Speech, VoiceChoice};

use crate::support::model;

async fn audio(speech: &KokoroSpeech, text: &str, voice: Option<&str>) -> Vec<i16> {
    let req = SpeakRequest {
        voice: VoiceChoice {
            name: voice.map(str::to_owned),
            language: None,
        },
        ..SpeakRequest::text(text)
    };
    let all = model::pieces(speech, req)
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .concat();
    assert!(model::rms(&all) > 0.02, "{text}: silent");
    all
}

fn speech(detect_language: bool) -> KokoroSpeech {
    let cfg = KokoroConfig {
        detect_language,
        ..KokoroConfig::default()
    };
    KokoroSpeech::new(model::engine(), model::voices(), cfg).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unnamed_voice_follows_the_language_of_the_text() {
    let on = speech(true);
    // The voice each language's best-graded voice is (as `voice.language` picks it).
    let best = |tag: &str| {
        let asked = SpeakRequest {
            voice: VoiceChoice {
                name: None,
                language: Some(tag.into()),
            },
            ..SpeakRequest::text("")
        };
        on.voice_name(&asked).expect(tag)
    };
    for (text, tag) in [
        ("La temperatura del salón es de veintiún grados.", "es"),
        ("J'ai allumé la lumière de la cuisine.", "fr"),
        ("Ho acceso la luce della cucina.", "it"),
        ("Liguei a luz da cozinha para você.", "pt"),
        ("今日はいい天気です。", "ja"),
        ("客厅的灯已经打开了。", "zh"),
    ] {
        let voice = best(tag);
        assert!(!voice.starts_with('a'), "{tag}: {voice}");
        assert_eq!(
            audio(&on, text, None).await,
            audio(&on, text, Some(&voice)).await,
            "{text} should be read by {voice}"
        );
    }
    let english = "The front door is locked.";
    assert_eq!(
        audio(&on, english, None).await,
        audio(&on, english, Some("af_heart")).await
    );
    // Off: the default voice reads everything.
    let off = speech(false);
    let spanish = "La temperatura del salón es de veintiún grados.";
    assert_eq!(
        audio(&off, spanish, None).await,
        audio(&off, spanish, Some("af_heart")).await
    );
}
