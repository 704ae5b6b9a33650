//! Reads the float tensors of a PyTorch checkpoint (`torch.save`'s zip format): a
//! pickle naming each tensor's storage, shape and strides, and one zip member of raw
//! little-endian data per storage.
//!
//! Only what a `state_dict` checkpoint uses is understood: dicts, tuples, ints,
//! strings, `OrderedDict()`, `torch._utils._rebuild_tensor_v2` and persistent storage
//! ids. Any other callable is refused rather than run, so a checkpoint cannot make the
//! reader do anything but build those values.

use std::collections::HashMap;
use std::io::{Read, Seek};

/// Why a checkpoint could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The zip container.
    #[error("not a PyTorch zip checkpoint")]
    Zip(#[source] zip::result::ZipError),
    /// Reading a member.
    #[error("reading {member}")]
    Io {
        /// The zip member.
        member: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The pickle uses something this reader does not support.
    #[error("checkpoint pickle at byte {at}: {why}")]
    Pickle {
        /// Offset of the opcode in `data.pkl`.
        at: usize,
        /// What is wrong.
        why: String,
    },
    /// A tensor's storage does not hold what its header says.
    #[error("tensor {name}: {why}")]
    Tensor {
        /// The state-dict key.
        name: String,
        /// What is wrong.
        why: String,
    },
}

/// A dense float tensor in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// `shape.iter().product()` values.
    pub data: Vec<f32>,
}

/// Largest checkpoint member read into memory; the one kokorod ships is 37 MB.
const MAX_MEMBER: u64 = 512 << 20;

/// The tensors under `state_key` (e.g. `"model"`) of the checkpoint whose names
/// `wanted` accepts, by name; the others' data is not read.
pub fn read_state_dict<R: Read + Seek>(
    reader: R,
    state_key: &str,
    wanted: impl Fn(&str) -> bool,
) -> Result<HashMap<String, Tensor>, CheckpointError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(CheckpointError::Zip)?;
    let pkl_name = (0..zip.len())
        .filter_map(|i| zip.name_for_index(i).map(str::to_owned))
        .find(|n| n.ends_with("/data.pkl") && n.matches('/').count() == 1)
        .ok_or(CheckpointError::Zip(zip::result::ZipError::FileNotFound))?;
    let root = pkl_name.trim_end_matches("data.pkl").to_owned();
    let pickle = read_member(&mut zip, &pkl_name)?;
    let top = Unpickler::new(&pickle).run()?;
    let state = match top {
        Value::Dict(items) => items
            .into_iter()
            .find(|(k, _)| matches!(k, Value::Str(s) if s == state_key))
            .map(|(_, v)| v),
        _ => None,
    }
    .ok_or_else(|| CheckpointError::Pickle {
        at: 0,
        why: format!("no `{state_key}` dict at the top level"),
    })?;
    let Value::Dict(entries) = state else {
        return Err(CheckpointError::Pickle {
            at: 0,
            why: format!("`{state_key}` is not a dict"),
        });
    };
    let mut out = HashMap::new();
    for (key, value) in entries {
        let (Value::Str(name), Value::Tensor(t)) = (key, value) else {
            continue;
        };
        if !wanted(&name) {
            continue;
        }
        let bytes = read_member(&mut zip, &format!("{root}data/{}", t.storage))?;
        out.insert(name.clone(), t.materialize(&name, &bytes)?);
    }
    Ok(out)
}

fn read_member<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Vec<u8>, CheckpointError> {
    let io = |source| CheckpointError::Io {
        member: name.to_owned(),
        source,
    };
    let member = zip.by_name(name).map_err(CheckpointError::Zip)?;
    if member.size() > MAX_MEMBER {
        return Err(io(std::io::Error::other(format!(
            "{} bytes, more than the {MAX_MEMBER} allowed",
            member.size()
        ))));
    }
    let mut bytes = Vec::with_capacity(member.size() as usize);
    member
        .take(MAX_MEMBER + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    Ok(bytes)
}

/// What `_rebuild_tensor_v2` was asked to build.
#[derive(Debug, Clone, PartialEq)]
struct TensorRef {
    storage: String,
    storage_numel: usize,
    offset: usize,
    shape: Vec<usize>,
    stride: Vec<usize>,
}

impl TensorRef {
    fn materialize(&self, name: &str, bytes: &[u8]) -> Result<Tensor, CheckpointError> {
        let bad = |why: String| CheckpointError::Tensor {
            name: name.to_owned(),
            why,
        };
        if bytes.len() != self.storage_numel * 4 {
            return Err(bad(format!(
                "storage {} has {} bytes, expected {} floats",
                self.storage,
                bytes.len(),
                self.storage_numel
            )));
        }
        // Only contiguous row-major tensors: what `state_dict` saves for parameters.
        let mut expect = 1;
        for (dim, stride) in self.shape.iter().zip(&self.stride).rev() {
            if *dim > 1 && *stride != expect {
                return Err(bad(format!(
                    "strides {:?} are not contiguous for shape {:?}",
                    self.stride, self.shape
                )));
            }
            expect *= dim;
        }
        let n: usize = self.shape.iter().product();
        let end = self
            .offset
            .checked_add(n)
            .filter(|&e| e <= self.storage_numel)
            .ok_or_else(|| bad("extends past its storage".into()))?;
        let data = bytes[self.offset * 4..end * 4]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Tensor {
            shape: self.shape.clone(),
            data,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    Global(String, String),
    Storage { key: String, numel: usize },
    Tensor(TensorRef),
}

/// A pickle machine for the opcodes `torch.save` (protocol 2) emits.
struct Unpickler<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of the opcode being run, for errors.
    at: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
}

impl<'a> Unpickler<'a> {
    fn new(data: &'a [u8]) -> Self {
        Unpickler {
            data,
            pos: 0,
            at: 0,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
        }
    }

    fn err(&self, why: impl Into<String>) -> CheckpointError {
        CheckpointError::Pickle {
            at: self.at,
            why: why.into(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CheckpointError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| self.err("truncated"))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, CheckpointError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, CheckpointError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, CheckpointError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn line(&mut self) -> Result<String, CheckpointError> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| self.err("unterminated line"))?;
        let s = std::str::from_utf8(&rest[..n]).map_err(|_| self.err("line is not UTF-8"))?;
        self.pos += n + 1;
        Ok(s.to_owned())
    }

    fn pop(&mut self) -> Result<Value, CheckpointError> {
        self.stack.pop().ok_or_else(|| self.err("stack underflow"))
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>, CheckpointError> {
        let m = self.marks.pop().ok_or_else(|| self.err("no mark"))?;
        if m > self.stack.len() {
            return Err(self.err("mark above the stack"));
        }
        Ok(self.stack.split_off(m))
    }

    fn top_mut(&mut self) -> Result<&mut Value, CheckpointError> {
        let at = self.at;
        self.stack.last_mut().ok_or(CheckpointError::Pickle {
            at,
            why: "stack underflow".into(),
        })
    }

    fn set_items(&mut self, items: Vec<Value>) -> Result<(), CheckpointError> {
        if !items.len().is_multiple_of(2) {
            return Err(self.err("odd number of dict items"));
        }
        let at = self.at;
        let Value::Dict(d) = self.top_mut()? else {
            return Err(CheckpointError::Pickle {
                at,
                why: "SETITEM on a non-dict".into(),
            });
        };
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            d.push((k, v));
        }
        Ok(())
    }

    fn memo_get(&self, i: u32) -> Result<Value, CheckpointError> {
        self.memo
            .get(&i)
            .cloned()
            .ok_or_else(|| self.err(format!("memo {i} unset")))
    }

    fn memo_put(&mut self, i: u32) -> Result<(), CheckpointError> {
        let v = self
            .stack
            .last()
            .cloned()
            .ok_or_else(|| self.err("stack underflow"))?;
        self.memo.insert(i, v);
        Ok(())
    }

    fn run(mut self) -> Result<Value, CheckpointError> {
        loop {
            self.at = self.pos;
            match self.u8()? {
                0x80 => {
                    self.u8()?;
                }
                b'.' => return self.pop(),
                b'(' => self.marks.push(self.stack.len()),
                b'}' => self.stack.push(Value::Dict(Vec::new())),
                b']' => self.stack.push(Value::List(Vec::new())),
                b')' => self.stack.push(Value::Tuple(Vec::new())),
                b'N' => self.stack.push(Value::None),
                0x88 => self.stack.push(Value::Bool(true)),
                0x89 => self.stack.push(Value::Bool(false)),
                b'K' => {
                    let v = self.u8()?;
                    self.stack.push(Value::Int(v.into()));
                }
                b'M' => {
                    let v = self.u16()?;
                    self.stack.push(Value::Int(v.into()));
                }
                b'J' => {
                    let v = self.u32()? as i32;
                    self.stack.push(Value::Int(v.into()));
                }
                0x8a => {
                    let n = self.u8()? as usize;
                    if n > 8 {
                        return Err(self.err("integer wider than 64 bits"));
                    }
                    let b = self.take(n)?;
                    let mut v: i64 = 0;
                    for (i, byte) in b.iter().enumerate() {
                        v |= i64::from(*byte) << (8 * i);
                    }
                    if n > 0 && n < 8 && b[n - 1] & 0x80 != 0 {
                        v -= 1 << (8 * n);
                    }
                    self.stack.push(Value::Int(v));
                }
                b'G' => {
                    let b = self.take(8)?;
                    let v = f64::from_be_bytes(b.try_into().expect("8 bytes"));
                    self.stack.push(Value::Float(v));
                }
                b'X' => {
                    let n = self.u32()? as usize;
                    let s = std::str::from_utf8(self.take(n)?)
                        .map_err(|_| self.err("string is not UTF-8"))?;
                    self.stack.push(Value::Str(s.to_owned()));
                }
                0x8c => {
                    let n = self.u8()? as usize;
                    let s = std::str::from_utf8(self.take(n)?)
                        .map_err(|_| self.err("string is not UTF-8"))?;
                    self.stack.push(Value::Str(s.to_owned()));
                }
                b'q' => {
                    let i = self.u8()?.into();
                    self.memo_put(i)?;
                }
                b'r' => {
                    let i = self.u32()?;
                    self.memo_put(i)?;
                }
                b'h' => {
                    let i = self.u8()?.into();
                    let v = self.memo_get(i)?;
                    self.stack.push(v);
                }
                b'j' => {
                    let i = self.u32()?;
                    let v = self.memo_get(i)?;
                    self.stack.push(v);
                }
                b't' => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::Tuple(items));
                }
                n @ 0x85..=0x87 => {
                    let k = usize::from(n - 0x84);
                    if self.stack.len() < k {
                        return Err(self.err("stack underflow"));
                    }
                    let items = self.stack.split_off(self.stack.len() - k);
                    self.stack.push(Value::Tuple(items));
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    self.set_items(vec![k, v])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    self.set_items(items)?;
                }
                b'a' => {
                    let v = self.pop()?;
                    match self.top_mut()? {
                        Value::List(l) => l.push(v),
                        _ => return Err(self.err("APPEND on a non-list")),
                    }
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    match self.top_mut()? {
                        Value::List(l) => l.extend(items),
                        _ => return Err(self.err("APPENDS on a non-list")),
                    }
                }
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    self.stack.push(Value::Global(module, name));
                }
                b'Q' => {
                    let pid = self.pop()?;
                    let storage = self.persistent(pid)?;
                    self.stack.push(storage);
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let v = self.reduce(callable, args)?;
                    self.stack.push(v);
                }
                // An object's state (an OrderedDict's `_metadata`): not needed.
                b'b' => {
                    self.pop()?;
                }
                op => return Err(self.err(format!("unsupported opcode 0x{op:02x}"))),
            }
        }
    }

    /// `('storage', torch.FloatStorage, key, location, numel)`.
    fn persistent(&self, pid: Value) -> Result<Value, CheckpointError> {
        let Value::Tuple(t) = pid else {
            return Err(self.err("persistent id is not a tuple"));
        };
        match t.as_slice() {
            [Value::Str(kind), Value::Global(m, dtype), Value::Str(key), _, Value::Int(n)]
                if kind == "storage" && m == "torch" =>
            {
                if dtype != "FloatStorage" {
                    return Err(self.err(format!("{dtype}: only float32 tensors are read")));
                }
                let numel = usize::try_from(*n).map_err(|_| self.err("negative storage size"))?;
                Ok(Value::Storage {
                    key: key.clone(),
                    numel,
                })
            }
            _ => Err(self.err("unknown persistent id")),
        }
    }

    fn reduce(&self, callable: Value, args: Value) -> Result<Value, CheckpointError> {
        let Value::Global(module, name) = callable else {
            return Err(self.err("REDUCE of a non-global"));
        };
        let Value::Tuple(args) = args else {
            return Err(self.err("REDUCE arguments are not a tuple"));
        };
        match (module.as_str(), name.as_str()) {
            ("collections", "OrderedDict") if args.is_empty() => Ok(Value::Dict(Vec::new())),
            ("torch._utils", "_rebuild_tensor_v2") => match args.as_slice() {
                [Value::Storage { key, numel }, Value::Int(offset), Value::Tuple(shape), Value::Tuple(stride), ..] =>
                {
                    let dims = |v: &[Value]| -> Result<Vec<usize>, CheckpointError> {
                        v.iter()
                            .map(|d| match d {
                                Value::Int(i) => {
                                    usize::try_from(*i).map_err(|_| self.err("negative size"))
                                }
                                _ => Err(self.err("size is not an int")),
                            })
                            .collect()
                    };
                    Ok(Value::Tensor(TensorRef {
                        storage: key.clone(),
                        storage_numel: *numel,
                        offset: usize::try_from(*offset)
                            .map_err(|_| self.err("negative offset"))?,
                        shape: dims(shape)?,
                        stride: dims(stride)?,
                    }))
                }
                _ => Err(self.err("unexpected _rebuild_tensor_v2 arguments")),
            },
            _ => Err(self.err(format!("refusing to call {module}.{name}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A checkpoint as `torch.save({"model": {"w": tensor}, "step": 7})` lays it out.
    fn checkpoint(pickle: &[u8], storage: &[u8]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("ck/data.pkl", opts).unwrap();
        z.write_all(pickle).unwrap();
        z.start_file("ck/data/0", opts).unwrap();
        z.write_all(storage).unwrap();
        z.finish().unwrap();
        buf.into_inner()
    }

    fn tensor_pickle(shape: (u8, u8), stride: (u8, u8), callable: &[u8]) -> Vec<u8> {
        let mut p = vec![0x80, 2, b'}', b'('];
        p.extend(b"X\x05\x00\x00\x00model");
        p.extend(b"ccollections\nOrderedDict\n)R(");
        p.extend(b"X\x01\x00\x00\x00w");
        p.extend(callable);
        p.extend(b"((X\x07\x00\x00\x00storagectorch\nFloatStorage\n");
        p.extend(b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x06tQK\x00");
        p.extend([b'K', shape.0, b'K', shape.1, 0x86]);
        p.extend([b'K', stride.0, b'K', stride.1, 0x86]);
        p.extend(b"\x89ccollections\nOrderedDict\n)RtRu");
        p.extend(b"}bX\x04\x00\x00\x00stepK\x07u.");
        p
    }

    fn floats(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn reads_a_tensor_by_name() {
        let pickle = tensor_pickle((2, 3), (3, 1), b"ctorch._utils\n_rebuild_tensor_v2\n");
        let file = checkpoint(&pickle, &floats(&[1., 2., 3., 4., 5., 6.]));
        let state = read_state_dict(std::io::Cursor::new(file), "model", |_| true).unwrap();
        assert_eq!(
            state["w"],
            Tensor {
                shape: vec![2, 3],
                data: vec![1., 2., 3., 4., 5., 6.]
            }
        );
    }

    /// Reads every tensor of a checkpoint made of `pickle` and one storage of `floats`.
    fn read(
        pickle: &[u8],
        floats_in_storage: usize,
    ) -> Result<HashMap<String, Tensor>, CheckpointError> {
        let file = checkpoint(pickle, &floats(&vec![0.; floats_in_storage]));
        read_state_dict(std::io::Cursor::new(file), "model", |_| true)
    }

    #[test]
    fn refuses_other_callables_and_bad_storages() {
        let rebuild = b"ctorch._utils\n_rebuild_tensor_v2\n";
        let evil = tensor_pickle((2, 3), (3, 1), b"cos\nsystem\n");
        let e = read(&evil, 6).unwrap_err();
        assert!(e.to_string().contains("refusing to call os.system"), "{e}");

        let transposed = tensor_pickle((2, 3), (1, 2), rebuild);
        let e = read(&transposed, 6).unwrap_err();
        assert!(e.to_string().contains("not contiguous"), "{e}");

        let ok = tensor_pickle((2, 3), (3, 1), rebuild);
        let e = read(&ok, 5).unwrap_err();
        assert!(e.to_string().contains("expected 6 floats"), "{e}");

        for cut in [0, 3, 40, ok.len() - 1] {
            assert!(
                read(&ok[..cut], 6).is_err(),
                "a pickle cut at {cut} was read"
            );
        }
        assert!(
            read_state_dict(std::io::Cursor::new(b"not a zip".to_vec()), "model", |_| {
                true
            })
            .is_err()
        );
    }
}
