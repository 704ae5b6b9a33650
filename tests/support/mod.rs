//! What the test binaries share: the real model loaded once per process (`model`), a
//! fake speech (`fake_speech`), the Wyoming and HTTP servers in this process with raw
//! clients (`wyoming`, `http`), the whole daemon in this process (`in_process`), the
//! daemon binary as a child process (`daemon`), and the few helpers below.

#![allow(dead_code)] // each test binary uses a different part

pub mod daemon;
pub mod fake_speech;
pub mod http;
pub mod in_process;
pub mod model;
pub mod wyoming;

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

/// How long any single wait in a test may take before the test fails (a hang guard,
/// never a readiness delay). Generous: in the real tests every test of the process
/// queues on one engine, on a machine other builds share.
pub const GUARD: Duration = Duration::from_secs(120);

/// What a stand-in engine returns for `tokens` tokens: speech-like samples, loud enough
/// to survive the silence trim, 600 per token.
pub fn tone(tokens: usize) -> Vec<f32> {
    (0..tokens * 600)
        .map(|i| 0.3 * ((i as f32) * 0.07).sin())
        .collect()
}

/// A runtime for a synchronous test to drive async clients with.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Everything the peer sends until it closes the connection (a reset ends it too,
/// keeping what arrived before).
pub async fn until_closed(s: &mut (impl AsyncRead + Unpin)) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    tokio::time::timeout(GUARD, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the peer must close the connection");
    raw
}
