//! Writes a fixed file atomically: a temporary file in the same directory (so the rename stays
//! on one filesystem), the original's permissions, then a rename over the original (the file a
//! symlink points to, so the link stays a link).

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

pub fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    // Through a symlink, replace the file it points to, not the link.
    let target = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
    let path = target.as_path();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let permissions = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .permissions();
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    temp.write_all(contents.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(path, e))?;
    std::fs::set_permissions(temp.path(), permissions).map_err(|e| Error::io(path, e))?;
    temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
