//! Running git: one place that spawns it, captures its output and turns failures into errors
//! that say which command failed and what git said.
//!
//! stackgen uses git's own machinery (objects, refs, `merge-file`) rather than reimplementing
//! it, so everything recorded is inspectable with ordinary git commands.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The identity stackgen signs its own commits with when git has none configured.
pub const FALLBACK_NAME: &str = "stackgen";
pub const FALLBACK_EMAIL: &str = "stackgen@localhost";

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "git is not installed (or not on PATH)\n  hint: install git, e.g. `apt-get install git`"
    )]
    NotInstalled,
    #[error("`git {args}` failed in {}: {stderr}", .dir.display())]
    Failed {
        args: String,
        dir: PathBuf,
        stderr: String,
    },
    #[error("cannot run `git {args}`: {source}")]
    Io {
        args: String,
        source: std::io::Error,
    },
    #[error("`git {args}` printed something stackgen cannot read: {what}")]
    Unexpected { args: String, what: String },
}

/// The identity of stackgen's own commits; `None` where git has none configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    name: Option<String>,
    email: Option<String>,
}

impl Identity {
    /// `-c user.name=… -c user.email=…` for what git lacks; empty when the configured
    /// identity will do.
    pub fn config_args(&self) -> Vec<String> {
        [
            ("user.name", &self.name, FALLBACK_NAME),
            ("user.email", &self.email, FALLBACK_EMAIL),
        ]
        .into_iter()
        .filter(|(_, configured, _)| configured.is_none())
        .flat_map(|(key, _, fallback)| ["-c".to_string(), format!("{key}={fallback}")])
        .collect()
    }

    /// The `committer` line of a commit made now, as `git fast-import` reads it.
    pub fn committer_now(&self) -> String {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        format!(
            "{} <{}> {seconds} +0000",
            self.name.as_deref().unwrap_or(FALLBACK_NAME),
            self.email.as_deref().unwrap_or(FALLBACK_EMAIL)
        )
    }
}

/// git, run in one directory.
#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
    index_file: Option<PathBuf>,
}

/// Whether a `git` program can be run at all.
pub fn installed() -> bool {
    Command::new("git")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

impl Git {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            index_file: None,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The same git, but with its index in `index_file` (`GIT_INDEX_FILE`), so building a tree
    /// never touches the user's staging area.
    pub fn with_index(&self, index_file: &Path) -> Self {
        Self {
            dir: self.dir.clone(),
            index_file: Some(index_file.to_path_buf()),
        }
    }

    fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new("git");
        command
            .current_dir(&self.dir)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        match &self.index_file {
            Some(index) => command.env("GIT_INDEX_FILE", index),
            None => command.env_remove("GIT_INDEX_FILE"),
        };
        command
    }

    /// Runs git with `input` on stdin and returns its output, whatever the exit status.
    pub fn output_with<I, S>(&self, args: I, input: Option<&[u8]>) -> Result<Output, GitError>
    where
        I: IntoIterator<Item = S> + Clone,
        S: AsRef<OsStr>,
    {
        let shown = show_args(args.clone());
        let mut command = self.command(args);
        command
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|source| spawn_error(&shown, source))?;
        if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
            // A git that exits early closes its stdin; its status then tells what went wrong.
            let _ = stdin.write_all(bytes);
        }
        child.wait_with_output().map_err(|source| GitError::Io {
            args: shown,
            source,
        })
    }

    /// Runs git and returns its stdout, failing with git's stderr when it exits non-zero.
    pub fn run<I, S>(&self, args: I) -> Result<Vec<u8>, GitError>
    where
        I: IntoIterator<Item = S> + Clone,
        S: AsRef<OsStr>,
    {
        self.run_with(args, None)
    }

    pub fn run_with<I, S>(&self, args: I, input: Option<&[u8]>) -> Result<Vec<u8>, GitError>
    where
        I: IntoIterator<Item = S> + Clone,
        S: AsRef<OsStr>,
    {
        let output = self.output_with(args.clone(), input)?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(self.failed(args, &output))
        }
    }

    /// Like [`Git::run`], as one trimmed line of text.
    pub fn line<I, S>(&self, args: I) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S> + Clone,
        S: AsRef<OsStr>,
    {
        self.line_with(args, None)
    }

    /// Like [`Git::run_with`], as one trimmed line of text.
    pub fn line_with<I, S>(&self, args: I, input: Option<&[u8]>) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S> + Clone,
        S: AsRef<OsStr>,
    {
        let stdout = self.run_with(args.clone(), input)?;
        String::from_utf8(stdout)
            .map(|text| text.trim_end_matches(['\n', '\r']).to_string())
            .map_err(|_| GitError::Unexpected {
                args: show_args(args),
                what: "output that is not UTF-8".into(),
            })
    }

    fn failed<I, S>(&self, args: I, output: &Output) -> GitError
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        GitError::Failed {
            args: show_args(args),
            dir: self.dir.clone(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        }
    }

    /// The top of the work tree `dir` is in, or `None` when it is in none.
    pub fn toplevel(&self) -> Result<Option<PathBuf>, GitError> {
        let output = self.output_with(["rev-parse", "--show-toplevel"], None)?;
        if !output.status.success() {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
        Ok((!text.is_empty()).then(|| PathBuf::from(text)))
    }

    /// `dir`'s path from the top of its work tree, `/`-separated, without a trailing `/`
    /// (empty at the top).
    pub fn prefix(&self) -> Result<String, GitError> {
        Ok(self
            .line(["rev-parse", "--show-prefix"])?
            .trim_end_matches('/')
            .to_string())
    }

    /// The commit a ref points at, or `None` when the ref does not exist.
    pub fn resolve(&self, reference: &str) -> Result<Option<String>, GitError> {
        let spec = format!("{reference}^{{commit}}");
        let output = self.output_with(["rev-parse", "--verify", "--quiet", &spec], None)?;
        if output.status.success() {
            Ok(Some(
                String::from_utf8_lossy(&output.stdout).trim().to_string(),
            ))
        } else {
            Ok(None)
        }
    }

    /// Who stackgen's own commits are by: the configured `user.name` and `user.email`, each
    /// replaced by stackgen's fallback when git has none. One `git config` call.
    pub fn identity(&self) -> Result<Identity, GitError> {
        let output = self.output_with(["config", "--get-regexp", r"^user\.(name|email)$"], None)?;
        // Exit status 1 means neither is set; anything else is git failing.
        if !output.status.success() && output.status.code() != Some(1) {
            return Err(self.failed(["config", "--get-regexp", "user.*"], &output));
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let configured = |key: &str| {
            text.lines()
                .filter_map(|line| line.split_once(' '))
                .filter(|(name, value)| *name == key && !value.trim().is_empty())
                .map(|(_, value)| value.trim().to_string())
                .next_back()
        };
        Ok(Identity {
            name: configured("user.name"),
            email: configured("user.email"),
        })
    }

    /// Every file in `commit`'s tree, path to bytes.
    pub fn read_tree(&self, commit: &str) -> Result<BTreeMap<String, Vec<u8>>, GitError> {
        let listing = self.run(["ls-tree", "-r", "-z", "--full-tree", commit])?;
        let mut blobs: Vec<(String, String)> = Vec::new();
        for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let text = String::from_utf8_lossy(entry);
            let unexpected = || GitError::Unexpected {
                args: format!("ls-tree -r -z {commit}"),
                what: format!("the entry `{text}`"),
            };
            let (meta, path) = text.split_once('\t').ok_or_else(unexpected)?;
            let mut fields = meta.split(' ');
            let (_mode, kind, id) = match (fields.next(), fields.next(), fields.next()) {
                (Some(mode), Some(kind), Some(id)) => (mode, kind, id),
                _ => return Err(unexpected()),
            };
            if kind == "blob" {
                blobs.push((path.to_string(), id.to_string()));
            }
        }
        self.cat_blobs(blobs)
    }

    /// Reads many blobs through one `git cat-file --batch`.
    fn cat_blobs(
        &self,
        blobs: Vec<(String, String)>,
    ) -> Result<BTreeMap<String, Vec<u8>>, GitError> {
        let args = ["cat-file", "--batch"];
        let shown = show_args(args);
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| spawn_error(&shown, source))?;
        let ids: String = blobs.iter().map(|(_, id)| format!("{id}\n")).collect();
        let writer = child.stdin.take().map(|mut stdin| {
            std::thread::spawn(move || {
                let _ = stdin.write_all(ids.as_bytes());
            })
        });
        let io = |source| GitError::Io {
            args: shown.clone(),
            source,
        };
        let stdout = child.stdout.take().ok_or_else(|| GitError::Unexpected {
            args: shown.clone(),
            what: "no output".into(),
        })?;
        let mut reader = BufReader::new(stdout);
        let mut files = BTreeMap::new();
        for (path, _) in blobs {
            let mut header = String::new();
            reader.read_line(&mut header).map_err(io)?;
            let size: usize = header
                .split_whitespace()
                .nth(2)
                .and_then(|size| size.parse().ok())
                .ok_or_else(|| GitError::Unexpected {
                    args: shown.clone(),
                    what: format!("the header `{}`", header.trim()),
                })?;
            let mut bytes = vec![0; size + 1];
            reader.read_exact(&mut bytes).map_err(io)?;
            bytes.truncate(size);
            files.insert(path, bytes);
        }
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        let status = child.wait().map_err(io)?;
        if !status.success() {
            return Err(GitError::Failed {
                args: shown,
                dir: self.dir.clone(),
                stderr: format!("exited with {status}"),
            });
        }
        Ok(files)
    }
}

fn spawn_error(shown: &str, source: std::io::Error) -> GitError {
    if source.kind() == std::io::ErrorKind::NotFound {
        GitError::NotInstalled
    } else {
        GitError::Io {
            args: shown.to_string(),
            source,
        }
    }
}

fn show_args<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    args.into_iter()
        .map(|arg| arg.as_ref().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
