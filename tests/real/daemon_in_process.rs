//! The whole daemon in this process on the test binary's engine: Wyoming and the HTTP
//! API bound on ephemeral loopback ports, a describe and a short synthesis through the
//! Rust client, `/health` over HTTP, then a clean stop.

use kokorod::daemon::{Daemon, Settings};
use kokorod::net::Shutdown;

use crate::support::{http, model, rt, GUARD};

#[test]
fn the_daemon_serves_both_front_ends_in_process_on_a_shared_engine() {
    let argv = [
        "kokorod",
        "--no-config",
        "--uri",
        "tcp://127.0.0.1:0",
        "--http",
        "tcp://127.0.0.1:0",
    ];
    let eff = kokorod::config::load(argv).expect("config");
    let serve = eff.cli.serve.clone();
    let settings =
        Settings::new(serve, eff, argv.iter().map(Into::into).collect()).expect("settings");
    let daemon = Daemon::build(settings, model::engine()).expect("build");
    rt().block_on(async {
        let bound = daemon.bind().await.expect("bind");
        let wyoming = bound.wyoming_addrs()[0].endpoint().unwrap().to_string();
        let http = bound.http_addrs()[0].endpoint().unwrap().to_string();
        let http = http.trim_start_matches("tcp://").to_owned();
        let shutdown = Shutdown::new();
        let running = tokio::spawn(bound.run(shutdown.clone()));

        let info = tokio::time::timeout(GUARD, kokorod::client::describe(&wyoming))
            .await
            .expect("describe hung")
            .expect("describe");
        let voices: Vec<&str> = info.tts[0].voices.iter().map(|v| v.name.as_str()).collect();
        assert!(voices.contains(&"af_heart"), "{voices:?}");

        let (format, samples) =
            tokio::time::timeout(GUARD, kokorod::client::say(&wyoming, "Hello there.", None))
                .await
                .expect("synthesis hung")
                .expect("synthesis");
        assert_eq!((format.rate, format.width, format.channels), (24_000, 2, 1));
        assert!(samples.len() > 4_800, "{} samples", samples.len());
        assert!(model::rms(&samples) > 0.01, "silence");

        let health = http::request(&http, "GET", "/health", &[], b"").await;
        assert_eq!(health.status, 200);
        assert_eq!(health.json()["ready"], true);

        shutdown.begin();
        tokio::time::timeout(GUARD, running)
            .await
            .expect("the daemon did not stop")
            .expect("the daemon panicked")
            .expect("the daemon failed");
    });
}
