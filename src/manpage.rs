//! Man pages generated from the command-line definition (clap_mangen), so that the
//! Debian package's pages never drift from `--help`.

use clap::CommandFactory;
use std::path::{Path, PathBuf};

/// Writes `kokorod.1` and `kokorod-<command>.1` for every visible command into `dir`;
/// returns the files written.
pub fn write_all(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let root = crate::cli::Cli::command();
    let mut written = vec![render(&root, "kokorod", dir)?];
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("kokorod-{}", sub.get_name());
        // The page's title and synopsis name the full command. clap takes a new name only
        // as `&'static str` (without its `string` feature): a few bytes, once per process.
        let title: &'static str = Box::leak(name.clone().into_boxed_str());
        let sub = sub
            .clone()
            .name(title)
            .bin_name(format!("kokorod {}", sub.get_name()));
        written.push(render(&sub, &name, dir)?);
    }
    Ok(written)
}

fn render(cmd: &clap::Command, name: &str, dir: &Path) -> std::io::Result<PathBuf> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, page)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pages_for_every_command() {
        let d = tempfile::tempdir().unwrap();
        let files = super::write_all(d.path()).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.contains(&"kokorod.1".to_owned())
                && names.contains(&"kokorod-serve.1".to_owned()),
            "{names:?}"
        );
        assert!(!names.iter().any(|n| n.contains("-man")), "{names:?}");
        let serve = std::fs::read_to_string(d.path().join("kokorod-serve.1")).unwrap();
        assert!(
            serve.contains("zeroconf") && serve.contains(".TH"),
            "{serve}"
        );
    }
}
