//! Edge-silence trimming. Kokoro pads every inference with ~0.3 s of near-silence
//! before the speech and ~0.4 s after it: on the first piece that is dead air after
//! the first audio arrives, and between pieces of one sentence it is an unnatural gap.

/// Below this amplitude (−40 dBFS) a sample counts as silence.
const THRESHOLD: i16 = 328;

/// How much quiet to keep around the speech of one piece.
#[derive(Debug, Clone, Copy)]
pub struct Keep {
    /// Samples kept before the first loud sample (soft onsets such as /h/ stay).
    pub lead: usize,
    /// Samples kept after the last loud sample (the pause before the next piece).
    pub tail: usize,
}

/// Trims `samples` to the speech plus `keep`; all-quiet audio is left as it is.
pub fn trim_silence(samples: &mut Vec<i16>, keep: Keep) {
    let loud = |s: &i16| s.unsigned_abs() > THRESHOLD.unsigned_abs();
    let (Some(first), Some(last)) = (
        samples.iter().position(loud),
        samples.iter().rposition(loud),
    ) else {
        return;
    };
    let end = (last + 1 + keep.tail).min(samples.len());
    let start = first.saturating_sub(keep.lead);
    samples.truncate(end);
    samples.drain(..start);
}

/// Ramps the first `fade_in` and last `fade_out` samples linearly from and to zero, so
/// that pieces joined end to end meet at zero: no step, no click.
pub fn fade_edges(samples: &mut [i16], fade_in: usize, fade_out: usize) {
    let n = samples.len();
    let fade_in = fade_in.min(n / 2);
    let fade_out = fade_out.min(n - fade_in);
    for (i, s) in samples[..fade_in].iter_mut().enumerate() {
        *s = (*s as f32 * i as f32 / fade_in as f32) as i16;
    }
    for i in 0..fade_out {
        let k = n - 1 - i;
        samples[k] = (samples[k] as f32 * i as f32 / fade_out as f32) as i16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fades_reach_zero_at_both_ends_and_leave_the_middle() {
        let mut s = vec![1000i16; 100];
        fade_edges(&mut s, 10, 20);
        assert_eq!((s[0], s[99]), (0, 0));
        assert!(s[1] > 0 && s[1] < 200);
        assert!(s[10..80].iter().all(|&x| x == 1000));
        assert!(s.windows(2).all(|w| (w[0] - w[1]).abs() <= 100));
        let mut tiny = vec![500i16; 3];
        fade_edges(&mut tiny, 10, 10);
        assert_eq!(tiny[0], 0);
        let mut empty: Vec<i16> = Vec::new();
        fade_edges(&mut empty, 4, 4);
    }

    #[test]
    fn keeps_the_speech_and_the_asked_margins() {
        let mut s = vec![0i16; 100];
        s.extend([5000, -5000, 200, 4000]);
        s.extend(vec![10i16; 100]);
        trim_silence(&mut s, Keep { lead: 10, tail: 20 });
        assert_eq!(s.len(), 10 + 4 + 20);
        assert_eq!(s[10], 5000);
        assert_eq!(s[13], 4000);
    }

    #[test]
    fn margins_larger_than_the_silence_and_all_quiet_input() {
        let mut s = vec![0i16, 9000, 0];
        trim_silence(
            &mut s,
            Keep {
                lead: 100,
                tail: 100,
            },
        );
        assert_eq!(s, vec![0, 9000, 0]);
        let mut q = vec![3i16; 50];
        trim_silence(&mut q, Keep { lead: 0, tail: 0 });
        assert_eq!(q.len(), 50);
    }
}
