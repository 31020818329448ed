//! The standalone sandbox (`cargo xtask sandbox`) as a separate process, for tests that treat it as a remote
//! host reached over HTTP. Stopped when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Sandbox {
    child: Child,
    /// Every `NAME=value` line it printed before serving.
    pub env: Vec<(String, String)>,
}

impl Sandbox {
    /// Starts `xtask sandbox` with `args` and waits for its `OCTOPUS_*` lines.
    pub fn start(args: &[&str]) -> Sandbox {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("sandbox")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("xtask sandbox starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut env = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("a line of the sandbox's output");
            if let Some((name, value)) = line.split_once('=') {
                env.push((name.to_string(), value.to_string()));
            }
            if line.starts_with("OCTOPUS_EMULATOR_ADMIN_TOKEN=") {
                break;
            }
        }
        Sandbox { child, env }
    }

    pub fn var(&self, name: &str) -> String {
        self.env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("{name} printed"))
    }

    pub fn url(&self) -> String {
        self.var("OCTOPUS_BASE_URL")
    }

    pub fn credentials(&self) -> (String, String) {
        (self.var("OCTOPUS_API_KEY"), self.var("OCTOPUS_API_SECRET"))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
