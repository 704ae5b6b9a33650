//! Config files: any bytes as /etc/kokorod/kokorod.toml. Loading may fail (bad TOML, an
//! unknown key, a bad value) but must never panic, and a failure names the file.

/// Panics if the property fails for `data`.
pub fn check(data: &[u8]) {
    let dir = std::env::temp_dir().join(format!("kokorod-fuzz-config-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("kokorod.toml");
    std::fs::write(&path, data).expect("temp file");
    let argv = [
        std::ffi::OsString::from("kokorod"),
        "--config".into(),
        path.clone().into(),
    ];
    if let Err(e) = kokorod::config::load(argv) {
        let msg = e.to_string();
        assert!(
            msg.contains("kokorod.toml"),
            "config error without the file's name: {msg}"
        );
    }
}
