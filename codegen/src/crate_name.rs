//! The generated crate's package name, checked before anything is generated: a name Cargo would refuse
//! (`rw-box-v2026.0`) used to be written out, and `cargo check` failed afterwards on the `.`.
//!
//! Cargo's rule (`validate_package_name` in cargo-util-schemas' `restricted_names.rs`): not empty; the first
//! character a Unicode XID start character or `_`, never a digit; the others XID continue characters or `-`.
//! On top of it, what `cargo new` refuses for a library others depend on, and what makes the crate unusable:
//! - non-ASCII characters (Cargo warns, rustc cannot load a crate with a non-ASCII name);
//! - Rust keywords (`use async::Client` does not parse; Cargo refuses them too);
//! - `test` and the standard library's crates (`std`, `core`, `alloc`, `proc_macro`, `proc-macro`);
//! - Cargo's build directory names (`deps`, `examples`, `build`, `incremental`) and Windows' reserved file
//!   names (`con`, `nul`, `com1`, ...), which a generated crate cannot be checked out or built under.

/// Rust's keywords, strict and reserved, in every edition (Cargo's `restricted_names::is_keyword`).
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super",
    "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

const STD: &[&str] = &["test", "std", "core", "alloc", "proc_macro", "proc-macro"];

const ARTIFACTS: &[&str] = &["deps", "examples", "build", "incremental"];

const WINDOWS: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// The rule, in one sentence, for messages.
pub const RULE: &str = "Cargo's rule: a package name is not empty, starts with a letter or `_` (never a digit), \
     and continues with letters, digits, `-` or `_`; this generator also requires ASCII (rustc cannot load a \
     crate with a non-ASCII name) and refuses Rust keywords, `test`, the standard library's crate names, \
     Cargo's build directory names and Windows' reserved names";

/// `Ok` for a package name Cargo accepts and a caller can `use`; otherwise why not, with the rule.
pub fn validate(name: &str) -> Result<(), String> {
    let why = reason(name);
    match why {
        None => Ok(()),
        Some(why) => Err(format!("invalid crate name {name:?}: {why}. {RULE}")),
    }
}

fn reason(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return Some("the name is empty".into()) };
    if let Some(ch) = name.chars().find(|c| !c.is_ascii()) {
        return Some(format!("`{ch}` is not ASCII"));
    }
    if first.is_ascii_digit() {
        return Some("the name cannot start with a digit".into());
    }
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Some(format!("the first character `{}` must be a letter or `_`", first.escape_default()));
    }
    if let Some(ch) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        return Some(format!("`{}` is not allowed (only letters, digits, `-` and `_`)", ch.escape_default()));
    }
    let lower = name.to_ascii_lowercase();
    if KEYWORDS.contains(&name) {
        return Some("it is a Rust keyword".into());
    }
    if STD.contains(&name) {
        return Some("it is the name of a crate Rust provides".into());
    }
    if ARTIFACTS.contains(&name) {
        return Some("it conflicts with Cargo's build directory names".into());
    }
    if WINDOWS.contains(&lower.as_str()) {
        return Some("it is a reserved file name on Windows".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn cargo_refuses_what_we_refuse() {
        for ok in ["octopus-client", "a", "_x", "rw-box-v2026_0", "tp-params", "Abc9", "gh_client"] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("rw-box-v2026.0", "`.` is not allowed"),
            ("", "the name is empty"),
            ("2fa-client", "cannot start with a digit"),
            ("-x", "the first character `-`"),
            ("client\u{e9}", "is not ASCII"),
            ("a b", "` ` is not allowed"),
            ("a/b", "`/` is not allowed"),
            ("a\nb", "`\\n` is not allowed"),
            ("async", "Rust keyword"),
            ("self", "Rust keyword"),
            ("test", "a crate Rust provides"),
            ("std", "a crate Rust provides"),
            ("proc-macro", "a crate Rust provides"),
            ("deps", "build directory"),
            ("CON", "reserved file name on Windows"),
            ("nul", "reserved file name on Windows"),
        ] {
            let e = validate(bad).expect_err(bad);
            assert!(e.contains(why), "{bad:?}: {e}");
            assert!(e.contains("Cargo's rule"), "{e}");
        }
    }
}
