//! The optimized-graph cache against the real model: the first load saves the graph,
//! the next loads it, both speak the same audio, and a damaged cache file is replaced
//! rather than failing the start.

use kokorod::engine::{affinity, Model};
use kokorod::text::{tokenize, Lang, Phonemizer};

use crate::support::model;

fn cache_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .collect();
    v.sort();
    v
}

#[test]
fn the_saved_graph_speaks_like_the_model_and_a_damaged_one_is_rebuilt() {
    let p = model::assets();
    let cpus = affinity::plan(None, None);
    let tokens = tokenize(
        &Phonemizer::new(Lang::EnUs)
            .unwrap()
            .phonemize("The lights are on.")
            .unwrap(),
    );
    let style = model::voices().resolve("af_heart").unwrap().style;
    let style = style.row(tokens.len());
    let reference = Model::load(&p.model, &p.runtime, &cpus)
        .unwrap()
        .run(&tokens, style, 1.0)
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let first = Model::load_cached(&p.model, &p.runtime, &cpus, dir.path())
        .unwrap()
        .run(&tokens, style, 1.0)
        .unwrap();
    let files = cache_files(dir.path());
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(std::fs::metadata(&files[0]).unwrap().len() > 10_000_000);
    let mtime = std::fs::metadata(&files[0]).unwrap().modified().unwrap();
    let second = Model::load_cached(&p.model, &p.runtime, &cpus, dir.path())
        .unwrap()
        .run(&tokens, style, 1.0)
        .unwrap();
    assert_eq!(
        std::fs::metadata(&files[0]).unwrap().modified().unwrap(),
        mtime,
        "the cache was used, not rewritten"
    );
    for (name, audio) in [("saving load", &first), ("cached load", &second)] {
        assert_eq!(audio.len(), reference.len(), "{name}");
        let max = audio
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(max < 1e-3, "{name}: max difference {max}");
    }

    std::fs::write(&files[0], b"not a graph").unwrap();
    let third = Model::load_cached(&p.model, &p.runtime, &cpus, dir.path())
        .unwrap()
        .run(&tokens, style, 1.0)
        .unwrap();
    assert_eq!(third.len(), reference.len());
    assert!(
        std::fs::metadata(&files[0]).unwrap().len() > 10_000_000,
        "the damaged file was rebuilt"
    );
    assert!(!dir.path().join("partial").exists());
}
