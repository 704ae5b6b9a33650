//! The packaged configuration (`packaging/kokorod.toml`, installed as
//! /etc/kokorod/kokorod.toml) is valid TOML, uses only keys that are long options of
//! `kokorod serve` (the config file's key convention), and documents every one of them
//! (set, or commented out with its default).

use clap::CommandFactory;
use std::collections::BTreeSet;

/// Options the config file does not set: the config file itself, and `--help`.
const NOT_KEYS: &[&str] = &["config", "no-config", "check-config", "help", "version"];
/// Keys of options from branches not merged yet (none now).
const PENDING: &[&str] = &[];

#[test]
fn packaged_config_keys_are_serve_options_and_all_documented() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/kokorod.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let active: BTreeSet<String> = table.keys().cloned().collect();
    let commented: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.to_owned()))
        .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect();
    let cli = kokorod::cli::Cli::command();
    let serve = cli.find_subcommand("serve").expect("serve");
    let options: BTreeSet<String> = serve
        .get_arguments()
        .chain(cli.get_arguments().filter(|a| a.is_global_set()))
        .filter_map(|a| a.get_long().map(str::to_owned))
        .filter(|l| !NOT_KEYS.contains(&l.as_str()))
        .collect();
    for key in active.iter().chain(&commented) {
        assert!(
            options.contains(key) || PENDING.contains(&key.as_str()),
            "{key} is not a long option of `kokorod serve`"
        );
    }
    for option in &options {
        assert!(
            active.contains(option) || commented.contains(option),
            "--{option} is not documented in {path}"
        );
    }
    // What the package promises: both Wyoming listeners, mDNS on.
    assert_eq!(table["uri"].as_array().unwrap().len(), 2);
    assert_eq!(table["zeroconf"].as_bool(), Some(true));
}

/// The service unit bounds memory and file descriptors, and the descriptor limit
/// leaves room for every connection the packaged limits allow.
#[test]
fn the_service_unit_sets_resource_limits_that_fit_the_connection_limits() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/kokorod.service");
    let unit = std::fs::read_to_string(path).unwrap();
    let value = |key: &str| {
        unit.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(str::trim)
            .map(str::to_owned)
    };
    let memory = value("MemoryMax").unwrap_or_else(|| panic!("{path}: no MemoryMax="));
    let bytes: u64 = match memory.strip_suffix('G') {
        Some(g) => g.parse::<u64>().unwrap() << 30,
        None => memory
            .strip_suffix('M')
            .map(|m| m.parse::<u64>().unwrap() << 20)
            .unwrap_or_else(|| panic!("MemoryMax={memory}")),
    };
    // The engine alone peaks near 0.6 GB; a bound below 1 GB would kill a healthy daemon.
    assert!((1 << 30..=8 << 30).contains(&bytes), "MemoryMax={memory}");
    let files: usize = value("LimitNOFILE")
        .unwrap_or_else(|| panic!("{path}: no LimitNOFILE="))
        .parse()
        .unwrap();
    let cli = <kokorod::cli::Cli as clap::Parser>::try_parse_from(["kokorod", "serve"]).unwrap();
    let kokorod::cli::Command::Serve(serve) = cli.command.unwrap() else {
        panic!("serve")
    };
    let connections = serve.max_connections as usize + serve.http.http_max_connections as usize;
    assert!(
        files >= 2 * connections + 64,
        "LimitNOFILE={files} leaves too little room for {connections} connections"
    );
    assert!(files <= 65_536, "LimitNOFILE={files}: no bound at all");
}
