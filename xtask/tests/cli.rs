//! The command line: every command answers `--help` (exit 0) with its usage, a typo gets a suggestion and
//! exit 2, and the `OCTOPUS_*` variables behind options are shown in the help, their values never.

use std::process::Command;

fn xtask(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("OCTOPUS_API_SECRET", "planted-help-secret")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_has_help() {
    let (code, top, _) = xtask(&["--help"]);
    assert_eq!(code, Some(0));
    let commands = ["generate", "conformance", "spec-diff", "spec-review", "sandbox", "decode", "bench", "fuzz"];
    for c in commands {
        assert!(top.contains(&format!("  {c} ")), "{c} is listed: {top}");
        let (code, out, err) = xtask(&[c, "--help"]);
        assert_eq!(code, Some(0), "{c} --help: {err}");
        assert!(out.contains(&format!("Usage: cargo xtask {c}")), "{c}: {out}");
    }
}

#[test]
fn typos_get_a_suggestion_and_exit_2() {
    let (code, _, err) = xtask(&["conformanse"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("a similar subcommand exists: 'conformance'"), "{err}");
    let (code, _, err) = xtask(&["conformance", "--allow-order"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("a similar argument exists: '--allow-orders'"), "{err}");
}

#[test]
fn environment_backed_options_are_shown_without_their_values() {
    let (_, out, _) = xtask(&["conformance", "--help"]);
    for var in ["OCTOPUS_API_KEY", "OCTOPUS_API_SECRET"] {
        assert!(out.contains(&format!("[env: {var}")), "{var}: {out}");
    }
    assert!(!out.contains("planted-help-secret"), "a secret from the environment is never printed");
    let (_, out, _) = xtask(&["spec-review", "--help"]);
    assert!(out.contains("[env: SPEC_REVIEW_APPROVED"), "{out}");
}
