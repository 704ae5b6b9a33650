//! Tests of the `kokorod` binary as a process: the command line, signals and faults,
//! reload, systemd's protocols and units, the load run, two daemons behind HAProxy,
//! and (as root) network and mount namespaces for `--allow-from` and mDNS.

#[path = "../support/mod.rs"]
mod support;

mod allow_from_netns;
mod cli;
mod faults;
mod haproxy;
mod hostile_texts;
mod http_daemon;
mod languages_ready;
mod load;
mod mdns_avahi;
mod reload;
mod steady_memory;
mod systemd;
mod systemd_units;
mod watermark_cli;
