//! The real `storedesk` binary as a child process: started on a fixed port, killed with
//! SIGKILL or stopped with SIGTERM, started again on the same data.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The JWT key every run signs with, so tokens outlive restarts as they do in production.
const JWT_SECRET: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

/// How the server is started each time.
#[derive(Clone)]
pub struct ServerConfig {
    pub port: u16,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// `STOREDESK_*` settings beyond the ones every run uses.
    pub env: Vec<(String, String)>,
    /// Serve with `--demo` (the demo world on an empty database).
    pub demo: bool,
    /// Where the server's log goes (the data dir unless a scenario fills that disk).
    pub log_dir: PathBuf,
}

impl ServerConfig {
    pub fn new(data_dir: &Path, database_url: String) -> Self {
        Self {
            port: free_port(),
            data_dir: data_dir.to_path_buf(),
            database_url,
            env: Vec::new(),
            demo: false,
            log_dir: data_dir.to_path_buf(),
        }
    }

    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.env.push((name.to_owned(), value.to_string()));
        self
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_storedesk"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "warn")
            .env("STOREDESK_DATA_DIR", &self.data_dir)
            .env("DATABASE_URL", &self.database_url)
            .env("STOREDESK_JWT_SECRET", JWT_SECRET)
            .env("STOREDESK_PUBLIC_URL", self.base_url())
            // The load comes from one address: the abuse limits would refuse it.
            .env("STOREDESK_RATE_REGISTRATIONS_PER_IP", "0")
            .env("STOREDESK_RATE_TICKETS_PER_IP", "0")
            .env("STOREDESK_RATE_TICKETS_PER_ACCOUNT", "0")
            .env("STOREDESK_RATE_REPLIES_PER_IP", "0")
            .env("STOREDESK_RATE_REPLIES_PER_ACCOUNT", "0")
            .env("STOREDESK_RESET_REQUESTS_PER_IP", "1000000")
            .env("STOREDESK_HASH_QUEUE_LIMIT", "1000")
            // Messages a killed worker held come back after 3 s instead of 5 minutes.
            .env("STOREDESK_OUTBOX_LEASE_SECS", "3")
            .env("STOREDESK_OUTBOX_POLL_MS", "100")
            .env("STOREDESK_SMTP_TIMEOUT_SECS", "5");
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// Runs a one-off command of the binary (e.g. `create-staff`) with `stdin`; returns
    /// what it printed.
    pub fn run_once(&self, args: &[&str], stdin: &str) -> String {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run storedesk");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "storedesk {args:?} failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// A running server.
pub struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    /// Starts the server and waits until `/readyz` answers 200 (the start must be clean:
    /// a process that exits instead fails the run, with its log).
    pub async fn start(config: &ServerConfig, generation: u32) -> Server {
        let mut server = Self::spawn(config, generation);
        server.until_ready(config).await;
        server
    }

    /// Starts the server without waiting for it to be ready.
    pub fn spawn(config: &ServerConfig, generation: u32) -> Server {
        let log = config.log_dir.join(format!("server-{generation}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = config
            .command()
            .args(["serve", "--bind", &format!("127.0.0.1:{}", config.port)])
            .args(config.demo.then_some("--demo"))
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start storedesk");
        Server { child, log }
    }

    /// Starts the server where it must refuse to start; returns its exit and log.
    pub fn start_refused(config: &ServerConfig, generation: u32) -> (ExitStatus, String) {
        let mut server = Self::spawn(config, generation);
        let status = server.child.wait().unwrap();
        (status, server.log_text())
    }

    async fn until_ready(&mut self, config: &ServerConfig) {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "the server exited at start ({status}):\n{}",
                    self.log_text()
                );
            }
            let ready = client
                .get(format!("{}/readyz", config.base_url()))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the server did not become ready:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is still alive.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no handler runs, nothing is flushed but what the kernel holds.
    pub fn kill(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.log_text()
    }

    /// SIGTERM, then waits for the exit.
    pub fn terminate(mut self) -> (ExitStatus, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        (exit, self.log_text())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
