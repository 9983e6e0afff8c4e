//! Errors that stop a command. Each renders as one line that names the file, line or setting
//! and says what to do; every one maps to exit code 2 (findings use 1).

use std::path::Path;

/// `crate::say!` that never panics: when stderr is gone (`preflight … 2>&1 | head`), a note or an
/// error line is lost, and the exit code still says how the run went. `crate::say!` would panic
/// and exit 101 instead.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Process exit codes, shared by every command.
pub mod exit {
    /// Nothing reached the `--fail-on` threshold.
    pub const OK: i32 = 0;
    /// At least one finding reached the threshold (or an unknown was not allowed).
    pub const FINDINGS: i32 = 1;
    /// Usage, input, configuration, connection or I/O error.
    pub const ERROR: i32 = 2;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{path}: {message}")]
    Input { path: String, message: String },
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    #[error("database: {0}")]
    Database(String),
    #[error("aws: {0}")]
    Aws(String),
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: &Path, err: std::io::Error) -> Self {
        let message = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::IsADirectory => {
                "is a directory; a file is expected here".to_string()
            }
            // What `read_to_string` says of bytes that are not UTF-8.
            std::io::ErrorKind::InvalidData => {
                "is not valid UTF-8 text; re-encode it as UTF-8".to_string()
            }
            _ => err.to_string(),
        };
        Error::Io {
            path: path.display().to_string(),
            message,
        }
    }

    pub fn input(path: &Path, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.display().to_string(),
            message: message.into(),
        }
    }

    pub fn config(path: &Path, message: impl Into<String>) -> Self {
        Error::Config {
            path: path.display().to_string(),
            message: message.into(),
        }
    }

    /// A TOML file that does not parse or fit its schema, in one line: `path: line N: message`.
    /// Not the error's `Display`, which adds the offending line and a caret below it.
    pub fn toml(path: &Path, text: &str, err: &toml::de::Error) -> Self {
        let message = err.message().trim().replace('\n', " ");
        match err.span() {
            Some(span) => Error::config_at(path, text, span.start, message),
            None => Error::config(path, message),
        }
    }

    /// A configuration error at byte `offset` of the file's `text`: `path: line N: message`.
    pub fn config_at(path: &Path, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        Error::config(path, format!("line {line}: {}", message.into()))
    }

    pub fn exit_code(&self) -> i32 {
        exit::ERROR
    }
}
