use super::*;

#[test]
fn placeholder() {
    assert_eq!(split_sentences("Hello. World."), vec!["Hello.", "World."]);
}
