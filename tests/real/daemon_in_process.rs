//! The whole daemon in this process on the test binary's engine: Wyoming and the HTTP
//! API bound on ephemeral loopback ports, a describe and a short synthesis through the
//! Rust client, `/health` over HTTP, then a clean stop.

use crate::support::in_process::InProcess;
use crate::support::{http, model, rt, GUARD};

#[test]
fn the_daemon_serves_both_front_ends_in_process_on_a_shared_engine() {
    rt().block_on(async {
        let daemon = InProcess::start(&[]).await;
        let (wyoming, http) = (daemon.wyoming.clone(), daemon.http.clone());

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

        daemon.stop().await;
    });
}
