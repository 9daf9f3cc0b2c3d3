//! Reading a file the user named (the scenario itself, `empirical: {file}`,
//! `traffic.profile.file`) without trusting it.
//!
//! A name can point at anything: `/dev/zero` never ends, a FIFO with no writer blocks
//! `open` forever, a directory cannot be read, and a regular file may be larger than any
//! scenario needs. So the metadata is checked *before* opening (only regular files are
//! opened), the size is checked against a cap, and the read itself stops one byte past the
//! cap, in case the file grew (or is a `/proc` file whose size reads as 0) between the
//! check and the read.

use super::limits::{MAX_DATA_BYTES, MAX_SAMPLES};
use super::walk::Node;
use std::fs::{self, File};
use std::io::{Cursor, Read};
use std::path::Path;

/// The bytes of the regular file at `path`, at most `cap` of them; otherwise a message
/// saying what the path is instead, or how large it is, for the caller to place at its
/// field path.
pub fn read(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let cannot = |e: std::io::Error| format!("cannot read `{shown}`: {e}");
    let meta = fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(format!(
            "`{shown}` is {}, not a regular file: only regular files are read",
            kind(&meta.file_type())
        ));
    }
    if meta.len() > cap {
        return Err(too_large(path, meta.len(), cap));
    }
    let file = File::open(path).map_err(cannot)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(path, bytes.len() as u64, cap));
    }
    Ok(bytes)
}

fn too_large(path: &Path, len: u64, cap: u64) -> String {
    format!(
        "`{}` is {len} bytes or more; files of at most {} are read (see \"Limits\" in \
         the README)",
        path.display(),
        if cap.is_multiple_of(1 << 20) {
            format!("{} MiB", cap >> 20)
        } else {
            format!("{cap} bytes")
        }
    )
}

/// A CSV data file with a header row, named at a scenario field and read whole (at most
/// [`MAX_DATA_BYTES`]). Cells are trimmed; rows may be shorter than the header (a missing
/// cell reads as empty).
pub struct Csv {
    /// The path as shown in messages.
    pub shown: String,
    /// The header row.
    pub headers: csv::StringRecord,
    reader: csv::Reader<Cursor<Vec<u8>>>,
}

impl Csv {
    /// The file `name` (relative to the scenario's directory) given at `file`; problems
    /// are recorded at `file`.
    pub fn open(file: &Node, name: &str) -> Option<Csv> {
        let path = file.ctx().base_dir().join(name);
        let shown = path.display().to_string();
        let bytes = match read(&path, MAX_DATA_BYTES) {
            Ok(b) => b,
            Err(m) => return file.fail(m),
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(Cursor::new(bytes));
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => return file.fail(format!("cannot read `{shown}`: {e}")),
        };
        Some(Csv {
            shown,
            headers,
            reader,
        })
    }

    /// Calls `row` with each data row and its line number, stopping at the first `None`;
    /// a row that cannot be read, or more than [`MAX_SAMPLES`] of them, is a problem at
    /// `file`.
    pub fn rows(
        &mut self,
        file: &Node,
        mut row: impl FnMut(&csv::StringRecord, u64) -> Option<()>,
    ) -> Option<()> {
        let shown = &self.shown;
        for (i, record) in self.reader.records().enumerate() {
            if i == MAX_SAMPLES {
                return file.fail(format!(
                    "`{shown}` has more than {MAX_SAMPLES} rows (see \"Limits\" in the README)"
                ));
            }
            let record = match record {
                Ok(r) => r,
                Err(e) => return file.fail(format!("cannot read `{shown}`: {e}")),
            };
            row(&record, record.position().map_or(0, |p| p.line()))?;
        }
        Some(())
    }
}

/// What `path` is when something other than a regular file (or a symbolic link) has its
/// name (`a device`, `a FIFO (named pipe)`): an output written there by a rename would
/// replace it with a regular file (`--out /dev/null`, run as root, would replace the
/// device for every program on the machine). `None` when nothing has the name.
pub(crate) fn not_replaceable(path: &Path) -> Option<&'static str> {
    let meta = fs::symlink_metadata(path).ok()?;
    let t = meta.file_type();
    (!t.is_file() && !t.is_symlink()).then(|| kind(&t))
}

/// What a non-regular file is, in the user's words.
pub(crate) fn kind(t: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        fs::write(&p, "t\n1\n").unwrap();
        assert_eq!(read(&p, 4).unwrap(), b"t\n1\n");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        fs::write(&p, "t\n1\n").unwrap();
        let e = read(&p, 3).unwrap_err();
        assert!(
            e.ends_with("a.csv` is 4 bytes or more; files of at most 3 bytes are read (see \"Limits\" in the README)"),
            "{e}"
        );
    }

    #[test]
    fn directories_and_devices_are_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let e = read(dir.path(), 100).unwrap_err();
        assert!(e.contains("is a directory, not a regular file"), "{e}");
        #[cfg(unix)]
        {
            let e = read(Path::new("/dev/zero"), 100).unwrap_err();
            assert_eq!(
                e,
                "`/dev/zero` is a device, not a regular file: only regular files are read"
            );
        }
        let e = read(&dir.path().join("missing"), 100).unwrap_err();
        assert!(e.starts_with("cannot read `"), "{e}");
    }
}
