//! Which cores inference may use: the process's affinity mask (which honours systemd
//! `CPUAffinity=` and cpusets), not the machine's core count.

use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

/// A `--cpus` list that could not be parsed or is not allowed.
#[derive(Debug, thiserror::Error)]
pub enum CpuListError {
    /// Syntax.
    #[error("invalid CPU list {0:?}: expected e.g. `0-3` or `0,2,4-5`")]
    Syntax(String),
    /// A CPU the process may not run on.
    #[error("CPU {cpu} is not in this process's affinity mask ({allowed:?})")]
    NotAllowed {
        /// The CPU asked for.
        cpu: usize,
        /// What the mask allows.
        allowed: Vec<usize>,
    },
}

/// CPUs in this process's affinity mask, ascending.
pub fn allowed_cpus() -> Vec<usize> {
    match sched_getaffinity(Pid::from_raw(0)) {
        Ok(set) => (0..CpuSet::count())
            .filter(|&c| set.is_set(c).unwrap_or(false))
            .collect(),
        Err(_) => (0..std::thread::available_parallelism().map_or(1, |n| n.get())).collect(),
    }
}

/// Parses `0-3,6` into `[0, 1, 2, 3, 6]` and checks each is allowed.
pub fn parse_cpu_list(s: &str, allowed: &[usize]) -> Result<Vec<usize>, CpuListError> {
    let syntax = || CpuListError::Syntax(s.to_string());
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let a: usize = a.trim().parse().map_err(|_| syntax())?;
        let b: usize = b.trim().parse().map_err(|_| syntax())?;
        if a > b || b >= CpuSet::count() {
            return Err(syntax());
        }
        out.extend(a..=b);
    }
    out.sort_unstable();
    out.dedup();
    if let Some(&cpu) = out.iter().find(|c| !allowed.contains(c)) {
        return Err(CpuListError::NotAllowed {
            cpu,
            allowed: allowed.to_vec(),
        });
    }
    Ok(out)
}

/// The CPUs inference will run on: `cpus` if given, else the affinity mask; cut to
/// `threads` if given.
pub fn plan(cpus: Option<&[usize]>, threads: Option<usize>) -> Vec<usize> {
    let mut set = cpus.map(<[usize]>::to_vec).unwrap_or_else(allowed_cpus);
    if set.is_empty() {
        set.push(0);
    }
    if let Some(t) = threads.filter(|&t| t > 0) {
        // More threads than cores would only contend; reuse cores round-robin if asked.
        set = (0..t).map(|i| set[i % set.len()]).collect();
    }
    set
}

/// Pins the calling thread to one CPU (best effort: a failure only costs locality).
pub fn pin_current_thread(cpu: usize) {
    let mut set = CpuSet::new();
    if set.set(cpu).is_ok() {
        if let Err(e) = sched_setaffinity(Pid::from_raw(0), &set) {
            tracing::debug!(cpu, error = %e, "could not pin inference thread");
        }
    }
}

/// ONNX Runtime's `session.intra_op_thread_affinities` value for the extra intra-op
/// threads (the calling thread is the first of the pool): one group per thread,
/// `;`-separated, processor ids counted from 1.
pub fn ort_affinity_string(cpus: &[usize]) -> Option<String> {
    (cpus.len() > 1).then(|| {
        cpus[1..]
            .iter()
            .map(|c| (c + 1).to_string())
            .collect::<Vec<_>>()
            .join(";")
    })
}

/// Sets `OMP_NUM_THREADS`/`OMP_PROC_BIND` for OpenMP builds of ONNX Runtime unless the
/// admin set them. Must run before any other thread exists (it edits the environment).
pub fn set_openmp_env(threads: usize) {
    if std::env::var_os("OMP_NUM_THREADS").is_none() {
        std::env::set_var("OMP_NUM_THREADS", threads.to_string());
    }
    if std::env::var_os("OMP_PROC_BIND").is_none() {
        std::env::set_var("OMP_PROC_BIND", "true");
    }
    // An OpenMP runtime must not spin-wait when idle either.
    if std::env::var_os("OMP_WAIT_POLICY").is_none() {
        std::env::set_var("OMP_WAIT_POLICY", "PASSIVE");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists() {
        let all: Vec<usize> = (0..8).collect();
        assert_eq!(parse_cpu_list("0-3", &all).unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(
            parse_cpu_list("5, 1,2-3,1", &all).unwrap(),
            vec![1, 2, 3, 5]
        );
        assert!(parse_cpu_list("3-1", &all).is_err());
        assert!(parse_cpu_list("x", &all).is_err());
        assert!(matches!(
            parse_cpu_list("9", &all),
            Err(CpuListError::NotAllowed { cpu: 9, .. })
        ));
    }

    #[test]
    fn affinity_string_is_one_based_and_skips_the_caller() {
        assert_eq!(ort_affinity_string(&[0]), None);
        assert_eq!(ort_affinity_string(&[2, 3, 5]).as_deref(), Some("4;6"));
    }

    #[test]
    fn plan_respects_mask_and_threads() {
        let mask = allowed_cpus();
        assert!(!mask.is_empty());
        assert_eq!(plan(None, None), mask);
        assert_eq!(plan(Some(&[1]), Some(1)), vec![1]);
        assert_eq!(plan(Some(&[0, 1]), Some(1)), vec![0]);
    }
}
