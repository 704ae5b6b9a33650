//! systemd's watchdog: `WATCHDOG=1` every `WATCHDOG_USEC / 2`, but only while the
//! engine still completes work. No test inference is run: an idle engine is
//! healthy as long as its thread lives, a busy one must have finished a job (or got
//! its work) within the stall bound. A dead or wedged engine stops the pings and
//! systemd restarts the service. The timer only runs when systemd asked for it.

use std::time::Duration;

use crate::engine::{Health, HealthProbe};
use crate::system::notify::Notifier;

/// The ping interval systemd asked for (half its timeout), if it did and the
/// request is meant for this process (`WATCHDOG_PID`).
pub fn interval_from_env() -> Option<Duration> {
    sd_notify::watchdog_enabled()
        .filter(|d| !d.is_zero())
        .map(|d| d / 2)
}

/// What to do at one tick.
#[derive(Debug, PartialEq, Eq)]
pub enum Tick {
    /// Send `WATCHDOG=1`.
    Ping,
    /// Withhold it (and say why, once).
    Withhold(Health),
}

/// Decides one tick from the engine's health.
pub fn decide(health: Health) -> Tick {
    if health.is_healthy() {
        Tick::Ping
    } else {
        Tick::Withhold(health)
    }
}

/// Pings every `interval` while `probe` reports a healthy engine; runs forever.
pub async fn run(notifier: Notifier, probe: HealthProbe, interval: Duration, stall: Duration) {
    let mut withheld = false;
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match decide(probe.check(stall)) {
            Tick::Ping => {
                if withheld {
                    tracing::info!("engine healthy again: watchdog pings resume");
                    withheld = false;
                }
                notifier.watchdog();
            }
            Tick::Withhold(health) => {
                if !withheld {
                    tracing::error!(?health, "engine not completing work: watchdog pings stop, systemd will restart kokorod");
                    withheld = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_working_engine_is_vouched_for() {
        assert_eq!(decide(Health::Idle), Tick::Ping);
        assert_eq!(decide(Health::Busy), Tick::Ping);
        assert_eq!(decide(Health::Dead), Tick::Withhold(Health::Dead));
        let stalled = Health::Stalled { for_ms: 61_000 };
        assert_eq!(decide(stalled), Tick::Withhold(stalled));
    }
}
