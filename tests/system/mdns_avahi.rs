//! mDNS discovery against the real Avahi: `tests/python/mdns_ns.py` runs inside a
//! network, mount and UTS namespace made here (`unshare`), with its own veth pair,
//! system D-Bus and avahi-daemon, so nothing multicasts outside it. python-zeroconf
//! must find kokorod's `_wyoming._tcp` service with the real port and address, get
//! `describe` answered there, and see it removed after SIGTERM; without Avahi kokorod
//! must warn once and serve. Needs root (namespaces); skipped loudly otherwise.

use std::path::Path;
use std::process::Command;

#[test]
fn announced_found_and_withdrawn_inside_a_private_network() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("\n*** SKIPPED mdns_avahi: needs root to create a network namespace ***\n");
        return;
    }
    // `make avahi` unpacks avahi-daemon without installing it (an installed one would
    // start and announce this host on the real network).
    let avahi = std::env::var("AVAHI_DAEMON").unwrap_or_else(|_| "avahi-daemon".to_owned());
    for tool in ["unshare", "ip", "dbus-daemon", avahi.as_str()] {
        let found = Path::new(tool).is_file()
            || std::env::var_os("PATH")
                .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()));
        assert!(found, "{tool} not found: `make deps avahi` installs dbus-daemon and iproute2 and unpacks avahi-daemon (AVAHI_DAEMON)");
    }
    let python = std::env::var("WYOMING_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/mdns_ns.py");
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .args([
            "300",
            "unshare",
            "--net",
            "--mount",
            "--uts",
            "--fork",
            "--kill-child",
        ])
        .arg(&python)
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_kokorod"))
        .arg(work.path())
        .env("AVAHI_DAEMON", &avahi)
        .output()
        .expect("run unshare");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "mDNS check failed ({}):\n{stdout}\n{stderr}\n(needs `pip install wyoming==1.10.2 zeroconf==0.154.0`; `make test` sets up a venv)",
        out.status
    );
    assert!(stdout.contains("removed kokorod-"), "{stdout}");
}
