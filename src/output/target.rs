//! `--report KIND[=FILE]`: where each report of one run goes. Parsed up front so a typo fails
//! before any stage runs.

use super::{write_report, Format, Report};
use crate::error::{Error, Result};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    pub format: Format,
    pub destination: Destination,
}

impl ReportTarget {
    /// Parses `human`, `json=out.json`, `sarif=-`, … (`-` or no file is stdout).
    pub fn parse(spec: &str) -> Result<ReportTarget> {
        let (kind, file) = match spec.split_once('=') {
            Some((kind, file)) => (kind, Some(file)),
            None => (spec, None),
        };
        let format = Format::from_name(kind.trim()).ok_or_else(|| {
            Error::Usage(format!(
                "--report {spec}: unknown report kind `{kind}`; use human, json, sarif, github, markdown or html"
            ))
        })?;
        let destination = match file {
            None | Some("-") => Destination::Stdout,
            Some("") => {
                return Err(Error::Usage(format!(
                    "--report {spec}: the file name is empty; write `{kind}=FILE` or `{kind}=-` for stdout"
                )))
            }
            Some(path) => Destination::File(PathBuf::from(path)),
        };
        Ok(ReportTarget {
            format,
            destination,
        })
    }

    /// Parses every `--report`; none means a human report on stdout. At most one may use stdout.
    pub fn parse_all(specs: &[String]) -> Result<Vec<ReportTarget>> {
        if specs.is_empty() {
            return Ok(vec![ReportTarget {
                format: Format::Human,
                destination: Destination::Stdout,
            }]);
        }
        let targets = specs
            .iter()
            .map(|s| ReportTarget::parse(s))
            .collect::<Result<Vec<_>>>()?;
        if targets
            .iter()
            .filter(|t| t.destination == Destination::Stdout)
            .count()
            > 1
        {
            return Err(Error::Usage(
                "--report: only one report can go to stdout; give the others a file (KIND=FILE)"
                    .into(),
            ));
        }
        for (spec, target) in specs.iter().zip(&targets) {
            if let Destination::File(path) = &target.destination {
                writable_place(spec, path)?;
            }
        }
        Ok(targets)
    }

    /// Writes `report` here. `color` applies to a human report on stdout only. A file named by
    /// `$GITHUB_STEP_SUMMARY` is appended to, as GitHub expects; other files are replaced.
    pub fn write(&self, report: &Report, color: bool) -> Result<()> {
        match &self.destination {
            Destination::Stdout => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                write_report(report, self.format, &mut lock, color)
                    .and_then(|()| lock.flush())
                    .or_else(ignore_broken_pipe)
                    .map_err(|e| Error::Other(format!("stdout: {e}")))
            }
            Destination::File(path) => {
                let append = std::env::var_os("GITHUB_STEP_SUMMARY")
                    .is_some_and(|s| !s.is_empty() && path.as_os_str() == s);
                let mut file = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .append(append)
                    .truncate(!append)
                    .open(path)
                    .map_err(|e| Error::io(path, e))?;
                let mut buffered = std::io::BufWriter::new(&mut file);
                write_report(report, self.format, &mut buffered, false)
                    .and_then(|()| buffered.flush())
                    .map_err(|e| Error::io(path, e))
            }
        }
    }
}

/// A report file's directory must exist before the stages run: finding out after a long
/// verify that the report has nowhere to go loses the run.
fn writable_place(spec: &str, path: &std::path::Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::Usage(format!(
            "--report {spec}: {} is a directory; name a file in it",
            path.display()
        )));
    }
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => Err(Error::Usage(format!(
            "--report {spec}: the directory {} does not exist; create it first",
            dir.display()
        ))),
        _ => Ok(()),
    }
}

/// `preflight check | head` must not turn into an error: the reader has what it wanted, and
/// the exit code is still the run's own (every command's report on stdout does this).
pub fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kinds_files_and_stdout() {
        assert_eq!(
            ReportTarget::parse("json=out/r.json").unwrap(),
            ReportTarget {
                format: Format::Json,
                destination: Destination::File("out/r.json".into())
            }
        );
        assert_eq!(
            ReportTarget::parse("sarif=-").unwrap().destination,
            Destination::Stdout
        );
        assert_eq!(ReportTarget::parse("html").unwrap().format, Format::Html);
    }

    #[test]
    fn rejects_unknown_kinds_empty_files_and_two_stdouts() {
        let e = ReportTarget::parse("xml=a.xml").unwrap_err().to_string();
        assert!(e.contains("unknown report kind `xml`"), "{e}");
        assert!(ReportTarget::parse("json=").is_err());
        let two = ["human".to_string(), "json".to_string()];
        assert!(ReportTarget::parse_all(&two).is_err());
    }
}
