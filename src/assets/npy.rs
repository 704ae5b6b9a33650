//! Reads kokoro-onnx's `voices-v1.0.bin`: a NumPy `.npz` (zip of `.npy` arrays), one
//! f32 array of shape `[510, 1, 256]` per voice, keyed by voice name.

use std::io::Read;
use std::path::Path;

/// A malformed npz/npy file.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    /// The file cannot be opened.
    #[error("{file}: not a NumPy .npz archive")]
    Open {
        /// The archive.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not a readable zip archive.
    #[error("{file}: not a NumPy .npz archive")]
    Zip {
        /// The archive.
        file: String,
        /// Why.
        #[source]
        source: zip::result::ZipError,
    },
    /// An array inside is not what we expect.
    #[error("{file}: array {name}: {why}")]
    Array {
        /// The archive.
        file: String,
        /// The array.
        name: String,
        /// What is wrong.
        why: String,
    },
}

/// Every voice in an npz file as `(name, f32 values)`; each has 510×256 values.
pub fn read_npz_voices(path: &Path) -> Result<Vec<(String, Vec<f32>)>, NpyError> {
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|source| NpyError::Open {
        file: file.clone(),
        source,
    })?;
    let zip_err = |source| NpyError::Zip {
        file: file.clone(),
        source,
    };
    let mut zip = zip::ZipArchive::new(f).map_err(zip_err)?;
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(zip_err)?;
        let name = entry.name().trim_end_matches(".npy").to_string();
        let err = |why: String| NpyError::Array {
            file: file.clone(),
            name: name.clone(),
            why,
        };
        if entry.size() > 16 << 20 {
            return Err(err(format!(
                "{} bytes is too large for a voice",
                entry.size()
            )));
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| err(e.to_string()))?;
        let values = parse_npy_f32(&bytes).map_err(err)?;
        if values.len() != 510 * 256 {
            return Err(err(format!("{} values, expected 510×256", values.len())));
        }
        out.push((name, values));
    }
    Ok(out)
}

/// Parses a version 1–3 `.npy` holding little-endian f32 in C order.
fn parse_npy_f32(b: &[u8]) -> Result<Vec<f32>, String> {
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err("not an .npy array".into());
    }
    let (hlen, start) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 | 3 if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = b.get(start..start + hlen).ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "non-UTF-8 .npy header")?;
    if !header.contains("'descr': '<f4'") {
        return Err(format!("dtype is not little-endian f32: {}", header.trim()));
    }
    if header.contains("'fortran_order': True") {
        return Err("Fortran-ordered arrays are not supported".into());
    }
    let data = &b[start + hlen..];
    if !data.len().is_multiple_of(4) {
        return Err("data is not a whole number of f32".into());
    }
    Ok(data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn npy(values: &[f32]) -> Vec<u8> {
        let mut header = format!(
            "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, 1, 256), }}",
            values.len() / 256
        );
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend((header.len() as u16).to_le_bytes());
        b.extend(header.as_bytes());
        for v in values {
            b.extend(v.to_le_bytes());
        }
        b
    }

    #[test]
    fn reads_an_npz_of_voices() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("voices.bin");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
        let vals: Vec<f32> = (0..510 * 256).map(|i| i as f32).collect();
        z.start_file("af_test.npy", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&npy(&vals)).unwrap();
        z.finish().unwrap();
        let v = read_npz_voices(&p).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].0, "af_test");
        assert_eq!(v[0].1[1000], 1000.0);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_npy_f32(b"nope").is_err());
        let mut b = npy(&[1.0; 256]);
        b.pop();
        assert!(parse_npy_f32(&b).is_err());
    }
}
