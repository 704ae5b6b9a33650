//! kokorod's entry point: parse the command line, set up logging, dispatch.

use std::process::ExitCode;

use kokorod::cli::Command;
use kokorod::config::{self, ConfigError};
use kokorod::system::{self, notify::Notifier};
use kokorod::{commands, daemon};

fn main() -> ExitCode {
    let argv: Vec<_> = std::env::args_os().collect();
    // The command line over the config files (`kokorod [serve]` only).
    let mut eff = match config::load(argv.iter().cloned()) {
        Ok(eff) => eff,
        Err(ConfigError::Cli(e)) => e.exit(),
        Err(e) => {
            eprintln!("kokorod: {e}");
            failed_status(&e.to_string());
            return ExitCode::FAILURE;
        }
    };
    // Commands that print data keep stderr quiet unless asked.
    let quiet = matches!(
        eff.cli.command,
        Some(Command::Phonemize(_) | Command::Voices(_) | Command::Watermark(_))
    ) && eff.cli.log_level == "info";
    system::logging::init(if quiet { "warn" } else { &eff.cli.log_level });
    let r = match eff.cli.command.take() {
        None => {
            let a = eff.cli.serve.clone();
            daemon::serve(a, eff, argv).map_err(anyhow::Error::from)
        }
        Some(Command::Serve(a)) => daemon::serve(a, eff, argv).map_err(anyhow::Error::from),
        Some(Command::Say(a)) => commands::say(a),
        Some(Command::Speak(a)) => commands::speak(a),
        Some(Command::Voices(a)) => commands::voices(a),
        Some(Command::Phonemize(a)) => commands::phonemize(a),
        Some(Command::Watermark(c)) => match commands::watermark(c) {
            Ok(code) => return code,
            Err(e) => {
                eprintln!("kokorod: {e:#}");
                return ExitCode::from(2);
            }
        },
        Some(Command::Fetch(a)) => commands::fetch(a),
        Some(Command::Man(a)) => commands::man(&a),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kokorod: {e:#}");
            failed_status(&format!("{e:#}"));
            ExitCode::FAILURE
        }
    }
}

/// Under systemd, the reason for a failed start (or run) shows in `systemctl status`.
fn failed_status(why: &str) {
    Notifier::from_env().status(&format!("failed: {}", why.replace('\n', " ")));
}
