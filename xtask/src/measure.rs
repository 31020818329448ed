//! A command measured: wall time, and the peak resident memory of the largest process in its tree (for
//! `cargo check`, that is rustc's).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one measured run took.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub wall: Duration,
    /// The largest resident set of the command or any process it waited for, in bytes.
    pub peak_rss: u64,
}

impl Measured {
    pub fn secs(&self) -> String {
        format!("{:.1} s", self.wall.as_secs_f64())
    }

    pub fn peak(&self) -> String {
        let mib = self.peak_rss as f64 / (1024.0 * 1024.0);
        if mib >= 1024.0 { format!("{:.2} GiB", mib / 1024.0) } else { format!("{mib:.0} MiB") }
    }
}

/// Runs `cmd` to the end; an error carries its standard error when it fails.
pub fn run(cmd: &mut Command) -> Result<Measured, String> {
    let described = format!("{cmd:?}");
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{described}: {e}"))?;
    // Read standard error on the side, so a chatty command cannot fill the pipe and stall.
    let mut stderr = child.stderr.take().ok_or("no stderr pipe")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let (status, usage) = wait_with_usage(child.id())?;
    let wall = started.elapsed();
    let stderr = reader.join().unwrap_or_default();
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(format!("{described} failed:\n{stderr}"));
    }
    // Linux reports ru_maxrss in KiB.
    let peak_rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    Ok(Measured { wall, peak_rss })
}

/// `wait4`: the child's exit status and resource usage, which covers the descendants it waited for. std's
/// `Child::wait` gives no usage, so this one call goes through libc.
#[allow(unsafe_code)]
fn wait_with_usage(pid: u32) -> Result<(libc::c_int, libc::rusage), String> {
    let pid = libc::pid_t::try_from(pid).map_err(|e| e.to_string())?;
    let mut status: libc::c_int = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (std waits only when asked), and both out-pointers
        // point at locals that live across the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {e}"));
        }
    }
    // SAFETY: wait4 returned the child, so it filled `usage` (and a zeroed rusage is valid anyway).
    Ok((status, unsafe { usage.assume_init() }))
}
