//! Gathers decoded audio into one channel at one rate, within the length limit.

use super::{Container, DecodeError, Decoded, MAX_CHANNELS, MAX_RATE, MAX_SAMPLES, MAX_SECONDS};

/// Mono samples being collected.
pub struct Mono {
    format: Container,
    rate: u32,
    limit: usize,
    samples: Vec<f32>,
}

impl Mono {
    /// Checks `rate` and `channels` (as a header states them) before anything is decoded.
    pub fn new(format: Container, rate: u32, channels: usize) -> Result<Self, DecodeError> {
        if rate == 0 || rate > MAX_RATE {
            return Err(DecodeError::BadRate { format, rate });
        }
        check_channels(format, channels)?;
        Ok(Mono {
            format,
            rate,
            limit: (MAX_SECONDS as usize * rate as usize).min(MAX_SAMPLES),
            samples: Vec::new(),
        })
    }

    /// Appends `frames` frames given as one slice per channel.
    pub fn push_planar(&mut self, planes: &[Vec<f32>], frames: usize) -> Result<(), DecodeError> {
        check_channels(self.format, planes.len())?;
        self.make_room(frames)?;
        let scale = 1.0 / planes.len() as f32;
        self.samples.extend((0..frames).map(|i| {
            let sum: f32 = planes
                .iter()
                .map(|p| p.get(i).copied().unwrap_or(0.0))
                .sum();
            sum * scale
        }));
        self.clamp_tail(frames);
        Ok(())
    }

    /// Appends interleaved frames of `channels` samples each.
    pub fn push_interleaved(&mut self, data: &[f32], channels: usize) -> Result<(), DecodeError> {
        check_channels(self.format, channels)?;
        let frames = data.len() / channels;
        self.make_room(frames)?;
        let scale = 1.0 / channels as f32;
        self.samples.extend(
            data.chunks_exact(channels)
                .map(|f| f.iter().sum::<f32>() * scale),
        );
        self.clamp_tail(frames);
        Ok(())
    }

    /// Drops the first `n` samples collected (a codec's priming).
    pub fn skip_front(&mut self, n: usize) {
        self.samples.drain(..n.min(self.samples.len()));
    }

    /// Keeps at most `n` samples.
    pub fn truncate(&mut self, n: usize) {
        self.samples.truncate(n);
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }

    pub fn finish(self) -> Decoded {
        Decoded {
            samples: self.samples,
            rate: self.rate,
        }
    }

    fn make_room(&mut self, frames: usize) -> Result<(), DecodeError> {
        if self.samples.len().saturating_add(frames) > self.limit {
            return Err(DecodeError::TooLong {
                format: self.format,
                seconds: (self.limit / self.rate as usize) as u32,
                rate: self.rate,
            });
        }
        Ok(())
    }

    /// Float sources may hold anything: keep −1..1, and silence where there is no number.
    fn clamp_tail(&mut self, frames: usize) {
        let from = self.samples.len() - frames;
        for s in &mut self.samples[from..] {
            *s = if s.is_nan() { 0.0 } else { s.clamp(-1.0, 1.0) };
        }
    }
}

fn check_channels(format: Container, channels: usize) -> Result<(), DecodeError> {
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(DecodeError::BadChannels { format, channels });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_averaged_and_clamped() {
        let mut m = Mono::new(Container::Wav, 8000, 2).unwrap();
        m.push_interleaved(&[0.5, 0.25, 1.0, 3.0, f32::NAN, 0.0], 2)
            .unwrap();
        m.push_planar(&[vec![-0.5, 0.1], vec![-0.25, 0.3], vec![0.0, 0.2]], 2)
            .unwrap();
        let d = m.finish();
        assert_eq!(d.rate, 8000);
        assert_eq!(d.samples.len(), 5);
        assert_eq!(&d.samples[..3], &[0.375, 1.0, 0.0]);
        assert!((d.samples[3] + 0.25).abs() < 1e-6 && (d.samples[4] - 0.2).abs() < 1e-6);
    }

    #[test]
    fn rates_channels_and_length_are_bounded() {
        assert!(matches!(
            Mono::new(Container::Flac, 0, 1),
            Err(DecodeError::BadRate { rate: 0, .. })
        ));
        assert!(matches!(
            Mono::new(Container::Flac, MAX_RATE + 1, 1),
            Err(DecodeError::BadRate { .. })
        ));
        assert!(matches!(
            Mono::new(Container::Wav, 8000, 0),
            Err(DecodeError::BadChannels { channels: 0, .. })
        ));
        let mut m = Mono::new(Container::Wav, 1, 1).unwrap();
        m.push_interleaved(&vec![0.0; MAX_SECONDS as usize], 1)
            .unwrap();
        let e = m.push_interleaved(&[0.0], 1).unwrap_err();
        assert!(e.to_string().contains("limit of 3600 s at 1 Hz"), "{e}");
        // Above 48 kHz the bound is in samples.
        let m = Mono::new(Container::Flac, 96_000, 1).unwrap();
        assert_eq!(m.limit, MAX_SAMPLES);
    }
}
