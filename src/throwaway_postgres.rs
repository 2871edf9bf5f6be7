//! A PostgreSQL server that lives only as long as one `stackgen verify` run.
//!
//! It is initialised in a temporary directory with trust authentication, listens on a free
//! 127.0.0.1 port, and is stopped and deleted when dropped, when verify fails, and when the
//! process is interrupted (see [`stop_active_server`]). PostgreSQL refuses to run as root, so
//! under root every server command runs as the `postgres` user through `runuser`.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};

/// How long pg_ctl may wait for the server to accept connections.
const START_TIMEOUT_SECS: &str = "60";
/// Ports tried before giving up when each one picked is taken before PostgreSQL binds it.
const PORT_ATTEMPTS: u32 = 3;
/// The unprivileged account used when stackgen itself runs as root.
const SERVICE_USER: &str = "postgres";

/// What is needed to stop the server from a signal handler.
#[derive(Debug, Clone)]
struct StopHandle {
    pg_ctl: PathBuf,
    data: PathBuf,
    root: PathBuf,
    run_as_service_user: bool,
}

/// The server that an interrupt must stop, if any.
static ACTIVE: Mutex<Option<StopHandle>> = Mutex::new(None);

pub struct ThrowawayPostgres {
    port: u16,
    handle: StopHandle,
}

impl ThrowawayPostgres {
    pub fn start() -> Result<Self> {
        Self::start_picking_ports(free_port)
    }

    /// Starts on the first port `pick_port` gives that PostgreSQL can bind.
    fn start_picking_ports(mut pick_port: impl FnMut() -> Result<u16>) -> Result<Self> {
        let bin = find_bin_dir()?;
        let root = tempfile::Builder::new()
            .prefix("stackgen-pg-")
            .tempdir()
            .context("cannot create a directory for the throwaway PostgreSQL")?
            .keep();
        let started = Self::start_in(&bin, &root, &mut pick_port);
        if started.is_err() {
            let _ = fs::remove_dir_all(&root);
        }
        started
    }

    fn start_in(
        bin: &Path,
        root: &Path,
        pick_port: &mut dyn FnMut() -> Result<u16>,
    ) -> Result<Self> {
        let run_as_service_user = fs::metadata(root)?.uid() == 0;
        if run_as_service_user {
            let status = Command::new("chown")
                .arg(format!("{SERVICE_USER}:"))
                .arg(root)
                .status()
                .context("cannot run chown")?;
            if !status.success() {
                bail!(
                    "running as root, and cannot hand {} to the `{SERVICE_USER}` user (PostgreSQL refuses to run as root)\n  hint: create the user, run stackgen as another user, or pass --database-url",
                    root.display()
                );
            }
        }
        let data = root.join("data");
        let handle = StopHandle {
            pg_ctl: bin.join("pg_ctl"),
            data: data.clone(),
            root: root.to_path_buf(),
            run_as_service_user,
        };
        run(
            handle
                .command(&bin.join("initdb"))
                .arg("--pgdata")
                .arg(&data)
                .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
                .args(["--no-locale", "--no-sync", "--no-instructions"]),
            "initdb",
        )?;
        *active() = Some(handle.clone());
        // The port is free when picked but not held, so another process can take it before
        // PostgreSQL binds it; then a new one is picked.
        let mut attempts = 0;
        let port = loop {
            attempts += 1;
            let port = pick_port()?;
            let log_path = root.join("server.log");
            match start_server(&handle, &log_path, port, root) {
                Ok(()) => break port,
                Err(err) => {
                    let log = fs::read_to_string(&log_path).unwrap_or_default();
                    if log.contains("Address already in use") && attempts < PORT_ATTEMPTS {
                        let _ = fs::remove_file(&log_path);
                        continue;
                    }
                    *active() = None;
                    return Err(err.context(format!("PostgreSQL did not start; its log:\n{log}")));
                }
            }
        };
        Ok(Self { port, handle })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        // Stopping under the lock makes an interrupt that arrives meanwhile wait for the server
        // to be gone before the process exits.
        let mut active = active();
        *active = None;
        self.handle.stop();
    }
}

/// Stops the running throwaway server, if there is one; safe to call from a signal handler
/// thread. If another thread is stopping it, this returns once that stop has finished.
pub fn stop_active_server() {
    let mut active = active();
    if let Some(handle) = active.take() {
        handle.stop();
    }
}

fn active() -> std::sync::MutexGuard<'static, Option<StopHandle>> {
    ACTIVE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl StopHandle {
    fn command(&self, program: &Path) -> Command {
        let mut command = if self.run_as_service_user {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", SERVICE_USER, "--"]).arg(program);
            runuser
        } else {
            Command::new(program)
        };
        command.stdin(Stdio::null());
        command
    }

    fn stop(&self) {
        let _ = self
            .command(&self.pg_ctl)
            .arg("--pgdata")
            .arg(&self.data)
            .args(["--mode=immediate", "--wait", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Starts the initialised cluster listening on 127.0.0.1:`port`, its socket in `root`.
fn start_server(handle: &StopHandle, log: &Path, port: u16, root: &Path) -> Result<()> {
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        root.display()
    );
    run(
        handle
            .command(&handle.pg_ctl)
            .arg("--pgdata")
            .arg(&handle.data)
            .arg("--log")
            .arg(log)
            .args([
                "--wait",
                "--timeout",
                START_TIMEOUT_SECS,
                "-o",
                &options,
                "start",
            ]),
        "pg_ctl start",
    )
}

fn run(command: &mut Command, what: &str) -> Result<()> {
    let output = command.output().with_context(|| {
        format!("cannot run {what} (is PostgreSQL installed, and runuser when root?)")
    })?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind("127.0.0.1:0").context("cannot find a free port on 127.0.0.1")?;
    Ok(listener.local_addr()?.port())
}

/// The directory holding `initdb` and `pg_ctl`: from PATH, else Debian's versioned directories.
fn find_bin_dir() -> Result<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    for dir in on_path {
        let pg_ctl = dir.join("pg_ctl");
        if pg_ctl.is_file() && dir.join("initdb").is_file() {
            let resolved = fs::canonicalize(&pg_ctl).unwrap_or(pg_ctl);
            if let Some(parent) = resolved.parent() {
                return Ok(parent.to_path_buf());
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "PostgreSQL server programs (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql\n  hint: install PostgreSQL (Debian: apt-get install postgresql), or pass --database-url / set DATABASE_URL"
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpStream;

    use super::*;

    /// Starts with the first `times` picks landing on a port held by another listener, and
    /// free ports after. Gives the result, how many ports were picked, and the held one.
    fn start_with_a_held_port(times: u32) -> (Result<ThrowawayPostgres>, u32, u16) {
        let holder = TcpListener::bind("127.0.0.1:0").unwrap();
        let held = holder.local_addr().unwrap().port();
        let mut picks = 0;
        let started = ThrowawayPostgres::start_picking_ports(|| {
            picks += 1;
            if picks <= times {
                Ok(held)
            } else {
                free_port()
            }
        });
        (started, picks, held)
    }

    #[test]
    fn a_port_taken_before_postgres_binds_it_is_replaced_by_another() {
        let (started, picks, held) = start_with_a_held_port(1);
        let server = started.unwrap();
        assert_eq!(picks, 2);
        assert_ne!(server.port(), held);
        assert!(TcpStream::connect(("127.0.0.1", server.port())).is_ok());
    }

    #[test]
    fn ports_that_stay_taken_end_in_an_error_with_the_server_log() {
        let (started, picks, _) = start_with_a_held_port(u32::MAX);
        let message = format!("{:#}", started.err().expect("no port could be bound"));
        assert_eq!(picks, PORT_ATTEMPTS);
        assert!(message.contains("Address already in use"), "{message}");
    }
}
