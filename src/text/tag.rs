//! Language tags as clients compare them.

/// `en-us` → `en-US`: BCP-47's conventional casing (Home Assistant compares tags;
/// the voice table writes them in lower case). `_` is read as `-`.
pub fn bcp47(tag: &str) -> String {
    tag.split(['-', '_'])
        .enumerate()
        .map(|(i, part)| match part.len() {
            _ if i == 0 => part.to_ascii_lowercase(),
            2 => part.to_ascii_uppercase(),
            4 => {
                let mut s = part.to_ascii_lowercase();
                s[..1].make_ascii_uppercase();
                s
            }
            _ => part.to_ascii_lowercase(),
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_casing() {
        assert_eq!(bcp47("en-us"), "en-US");
        assert_eq!(bcp47("pt-br"), "pt-BR");
        assert_eq!(bcp47("fr-fr"), "fr-FR");
        assert_eq!(bcp47("zh"), "zh");
        assert_eq!(bcp47("hi"), "hi");
        assert_eq!(bcp47("EN_gb"), "en-GB");
        assert_eq!(bcp47("zh-hant-tw"), "zh-Hant-TW");
    }
}
