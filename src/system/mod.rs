//! Life under a service manager: readiness, status and watchdog notifications,
//! signals (stop, reload), sockets passed by systemd, and logging to the journal.
//! Without systemd every part is a no-op or falls back to plain behaviour.

pub mod activation;
pub mod journal;
pub mod logging;
pub mod memory;
pub mod notify;
pub mod service;
pub mod watchdog;
