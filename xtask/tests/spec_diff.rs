//! `cargo xtask spec-diff`: one before/after fixture pair per rule (`tests/spec-diff/<rule>/`), the
//! catalogue's coverage, the report formats and the exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;
use xtask::spec_diff::{
    compare,
    rules::{RULES, Severity},
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec-diff")
}

fn read(rule: &str, side: &str) -> String {
    std::fs::read_to_string(fixtures().join(rule).join(format!("{side}.yaml"))).unwrap()
}

/// Diffs a rule's pair and checks that the rule fires with its catalogued severity, placed on a line.
fn fires(rule: &str) {
    let o = compare("before.yaml", read(rule, "before"), "after.yaml", read(rule, "after"))
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, severity, _) =
        RULES.iter().find(|(id, _, _)| *id == rule).unwrap_or_else(|| panic!("{rule} is not in RULES"));
    let hit = o.changes.iter().position(|c| c.rule == rule).unwrap_or_else(|| {
        panic!("{rule} did not fire; found: {:#?}", o.changes.iter().map(|c| (c.rule, &c.message)).collect::<Vec<_>>())
    });
    let c = &o.changes[hit];
    assert_eq!(c.severity, *severity, "{rule}");
    assert!(!c.message.is_empty() && c.pointer.starts_with('/'), "{c:?}");
    assert!(o.lines[hit].is_some(), "{rule}: no line for {}", c.pointer);
    // Nothing breaking fires beside a non-breaking rule's own change (and nothing needing approval beside an
    // info or warning), except where the same edit also changes a generated type (ALSO_BREAKS).
    let allowed = |c: &&xtask::spec_diff::rules::Change| ALSO_BREAKS.contains(&(rule, c.rule));
    if *severity != Severity::Breaking {
        let breaking: Vec<_> =
            o.changes.iter().filter(|c| c.severity == Severity::Breaking).filter(|c| !allowed(c)).collect();
        assert!(breaking.is_empty(), "{rule} also reported breaking changes: {breaking:#?}");
    }
    if matches!(severity, Severity::Info | Severity::Warning) {
        assert!(!o.needs_approval(), "{rule} needs approval: {:#?}", o.changes);
    }
    // The exit code follows: 1 exactly when something breaks or behaves differently.
    assert_eq!(o.needs_approval(), matches!(severity, Severity::Breaking | Severity::Behaviour), "{rule}");
}

/// Edits that fire a second, breaking rule by nature: removing `x-deliver-once` turns the field's
/// `OneTimeSecret` into a `String`, and removing `x-idempotency` removes the create's
/// `find_*_by_reference`, both of which callers' code notices.
const ALSO_BREAKS: &[(&str, &str)] =
    &[("deliver-once-removed", "rust-api-changed"), ("idempotency-changed", "rust-api-changed")];

macro_rules! rule_tests {
    ($($name:ident => $rule:literal,)*) => {
        $(#[test] fn $name() { fires($rule); })*
        const TESTED: &[&str] = &[$($rule),*];
    };
}

rule_tests! {
    path_removed => "path-removed",
    operation_removed => "operation-removed",
    operation_added => "operation-added",
    operation_id_changed => "operation-id-changed",
    security_added => "security-added",
    security_removed => "security-removed",
    security_changed => "security-changed",
    success_status_changed => "success-status-changed",
    error_status_added => "error-status-added",
    error_status_removed => "error-status-removed",
    paging_style_changed => "paging-style-changed",
    parameter_removed => "parameter-removed",
    required_parameter_added => "required-parameter-added",
    optional_parameter_added => "optional-parameter-added",
    parameter_became_required => "parameter-became-required",
    parameter_type_changed => "parameter-type-changed",
    request_body_became_required => "request-body-became-required",
    request_field_removed => "request-field-removed",
    required_request_field_added => "required-request-field-added",
    optional_request_field_added => "optional-request-field-added",
    request_field_became_required => "request-field-became-required",
    request_field_became_non_nullable => "request-field-became-non-nullable",
    request_field_type_changed => "request-field-type-changed",
    request_enum_value_removed => "request-enum-value-removed",
    request_enum_value_added => "request-enum-value-added",
    request_constraint_tightened => "request-constraint-tightened",
    request_constraint_loosened => "request-constraint-loosened",
    response_field_removed => "response-field-removed",
    response_field_added => "response-field-added",
    response_field_type_changed => "response-field-type-changed",
    response_field_became_nullable => "response-field-became-nullable",
    response_field_became_optional => "response-field-became-optional",
    response_field_became_required => "response-field-became-required",
    response_enum_value_added => "response-enum-value-added",
    response_enum_value_removed => "response-enum-value-removed",
    response_constraint_changed => "response-constraint-changed",
    response_header_removed => "response-header-removed",
    response_header_added => "response-header-added",
    default_changed => "default-changed",
    description_changed => "description-changed",
    extension_changed => "extension-changed",
    schema_removed => "schema-removed",
    schema_added => "schema-added",
    server_changed => "server-changed",
    request_body_became_optional => "request-body-became-optional",
    request_field_became_optional => "request-field-became-optional",
    parameter_became_optional => "parameter-became-optional",
    request_field_became_nullable => "request-field-became-nullable",
    response_field_became_non_nullable => "response-field-became-non-nullable",
    field_became_enum => "field-became-enum",
    field_no_longer_enum => "field-no-longer-enum",
    format_changed => "format-changed",
    operation_tag_changed => "operation-tag-changed",
    tag_removed => "tag-removed",
    tag_added => "tag-added",
    named_server_removed => "named-server-removed",
    security_scheme_changed => "security-scheme-changed",
    rust_api_changed => "rust-api-changed",
    retry_safety_changed => "retry-safety-changed",
    idempotency_changed => "idempotency-changed",
    token_lifecycle_changed => "token-lifecycle-changed",
    webhook_signature_changed => "webhook-signature-changed",
    secret_removed => "secret-removed",
    deliver_once_removed => "deliver-once-removed",
    timeout_lowered => "timeout-lowered",
    poll_terminal_statuses_changed => "poll-terminal-statuses-changed",
    paging_headers_changed => "paging-headers-changed",
    rate_limit_changed => "rate-limit-changed",
    paging_declared => "paging-declared",
    response_field_presence_changed => "response-field-presence-changed",
}

#[test]
fn every_rule_has_a_fixture_pair_and_a_test() {
    let mut dirs: Vec<String> =
        std::fs::read_dir(fixtures()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    dirs.sort();
    let mut rules: Vec<String> = RULES.iter().map(|(id, _, _)| id.to_string()).collect();
    rules.sort();
    let mut tested: Vec<String> = TESTED.iter().map(|s| s.to_string()).collect();
    tested.sort();
    assert_eq!(dirs, rules, "fixture directories and RULES differ");
    // Each rule has its line in the README's rule list.
    let readme = std::fs::read_to_string(fixtures().join("../../../README.md")).unwrap();
    let missing: Vec<&String> = rules.iter().filter(|r| !readme.contains(&format!("| `{r}` |"))).collect();
    assert!(missing.is_empty(), "README's rule list lacks {missing:?}");
    assert_eq!(tested, rules, "tests and RULES differ");
    assert!(rules.len() >= 25);
}

#[test]
fn identical_specs_have_no_changes() {
    let base = read("schema-added", "before");
    let o = compare("a", base.clone(), "b", base).unwrap();
    assert!(o.changes.is_empty() && o.api.added.is_empty() && o.api.removed.is_empty() && o.api.changed.is_empty());
}

#[test]
fn the_generated_api_impact_is_reported() {
    let o = compare("before", read("operation-id-changed", "before"), "after", read("operation-id-changed", "after"))
        .unwrap();
    // The method, its entry in its module and in the `OPERATIONS` table.
    assert_eq!(
        o.api.removed,
        ["Client::get_item", "operations::OPERATIONS[untagged::GET_ITEM]", "operations::untagged::GET_ITEM"]
    );
    assert_eq!(
        o.api.added,
        ["Client::fetch_item", "operations::OPERATIONS[untagged::FETCH_ITEM]", "operations::untagged::FETCH_ITEM"]
    );
    assert_eq!(o.api.breaking, o.api.removed);
    let o = compare(
        "before",
        read("response-field-became-optional", "before"),
        "after",
        read("response-field-became-optional", "after"),
    )
    .unwrap();
    assert_eq!(o.api.changed, [("models::Item.name".to_string(), "String".to_string(), "Option<String>".to_string())]);
}

fn xtask(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn exit_codes_and_formats() {
    let dir = fixtures().join("response-field-removed");
    let (b, a) = (dir.join("before.yaml"), dir.join("after.yaml"));
    let (b, a) = (b.to_str().unwrap(), a.to_str().unwrap());

    let (code, out, _) = xtask(&["spec-diff", "--base", b, "--head", a]);
    assert_eq!(code, 1, "a breaking change exits 1: {out}");
    assert!(out.contains("response-field-removed"));
    let (code, _, _) = xtask(&["spec-diff", "--base", b, "--head", a, "--allow-breaking"]);
    assert_eq!(code, 0);
    let (code, _, _) = xtask(&["spec-diff", "--base", b, "--head", b]);
    assert_eq!(code, 0, "no change exits 0");

    let (_, md, _) = xtask(&["spec-diff", "--base", b, "--head", a, "--format", "md", "--allow-breaking"]);
    assert!(
        md.starts_with("### Spec change")
            && md.contains("| breaking | `response-field-removed` |")
            && md.contains("```diff"),
        "{md}"
    );
    let (_, gh, _) = xtask(&["spec-diff", "--base", b, "--head", a, "--format", "github", "--allow-breaking"]);
    assert!(
        gh.lines().any(|l| l.starts_with("::error file=") && l.contains("title=spec-diff response-field-removed::")),
        "{gh}"
    );
    let (_, json, _) = xtask(&["spec-diff", "--base", b, "--head", a, "--format", "json", "--allow-breaking"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["breaking"], true);
    assert_eq!(v["changes"][0]["rule"], "response-field-removed");
    assert!(v["changes"][0]["line"].is_number());

    let (code, _, err) = xtask(&["spec-diff", "--head", a]);
    assert_eq!(code, 2, "missing --base is bad usage");
    assert!(err.contains("required arguments were not provided") && err.contains("--base"), "{err}");
    let (code, _, err) = xtask(&["spec-diff", "--base", "no-such-revision-or-file", "--head", a]);
    assert_eq!(code, 2);
    assert!(err.contains("neither a file nor a git revision"), "{err}");
    let broken = std::env::temp_dir().join(format!("broken-{}.yaml", std::process::id()));
    std::fs::write(&broken, "openapi: 3.0.3\ninfo: [\n").unwrap();
    let (code, _, err) = xtask(&["spec-diff", "--base", b, "--head", broken.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("head spec:") && err.contains("invalid YAML"), "{err}");
}

#[test]
fn an_ignore_entry_records_an_exception_until_it_expires() {
    let dir = fixtures().join("response-field-removed");
    let (b, a) = (dir.join("before.yaml"), dir.join("after.yaml"));
    let (b, a) = (b.to_str().unwrap(), a.to_str().unwrap());
    let ignore = std::env::temp_dir().join(format!("spec-diff-ignore-{}.yaml", std::process::id()));
    std::fs::write(
        &ignore,
        "- rule: response-field-removed\n  pointer: /components/schemas/Item/properties/\n  reason: never sent\n  expires: 2030-01-01\n",
    )
    .unwrap();
    let run = |today: &str, format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["spec-diff", "--base", b, "--head", a, "--format", format, "--ignore", ignore.to_str().unwrap()])
            .env("SPEC_DIFF_TODAY", today)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, text, _) = run("2029-12-31", "text");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("ignored breaking") && text.contains("(ignored: never sent (until 2030-01-01))"), "{text}");
    let (_, sarif, _) = run("2029-12-31", "sarif");
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(v["runs"][0]["results"][0]["suppressions"][0]["justification"], "never sent (until 2030-01-01)");
    let (_, junit, _) = run("2029-12-31", "junit");
    assert!(junit.contains("<skipped message=\"never sent (until 2030-01-01)\"/>"), "{junit}");
    let (code, text, err) = run("2030-01-02", "text");
    assert_eq!(code, Some(1), "an expired entry ignores nothing: {text}");
    assert!(err.contains("expired on 2030-01-01"), "{err}");
    std::fs::write(&ignore, "- { rule: response-field-removed, pointer: /x, expires: 2030-01-01 }\n").unwrap();
    let (code, _, err) = run("2029-12-31", "text");
    assert_eq!(code, Some(2));
    assert!(err.contains("entry 1 has no `reason`"), "{err}");
    let _ = std::fs::remove_file(&ignore);
}

#[test]
fn sarif_and_junit_describe_every_change() {
    let dir = fixtures().join("retry-safety-changed");
    let (b, a) = (dir.join("before.yaml"), dir.join("after.yaml"));
    let (b, a) = (b.to_str().unwrap(), a.to_str().unwrap());
    let (code, sarif, _) = xtask(&["spec-diff", "--base", b, "--head", a, "--format", "sarif"]);
    assert_eq!(code, 1, "a behaviour change exits 1");
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "retry-safety-changed");
    assert_eq!(result["level"], "error");
    assert!(result["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() > 1);
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    let (_, junit, _) = xtask(&["spec-diff", "--base", b, "--head", a, "--format", "junit"]);
    assert!(junit.contains("<testsuite name=\"spec-diff\" tests=\"2\" failures=\"1\" skipped=\"0\">"), "{junit}");
    assert!(junit.contains("<failure type=\"behaviour\""), "{junit}");
}

#[test]
fn base_can_be_a_git_revision() {
    // HEAD's spec against the working tree's: runs git, and succeeds whatever the diff is.
    let (code, out, err) = xtask(&["spec-diff", "--base", "HEAD", "--allow-breaking"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("spec-diff HEAD:spec/octopus.yaml → spec/octopus.yaml"), "{out}");
}

/// A format is judged by the Rust type it generates: the same type is information (or, for a string a caller
/// sends, a tightened constraint); another type breaks.
#[test]
fn formats_are_judged_by_the_rust_type_they_generate() {
    let before = read("format-changed", "before");
    let id = "{ name: id, in: path, required: true, schema: { type: integer } }";
    let name = "name: { type: string, maxLength: 100 }";
    let judged = |from: &str, to: &str| {
        assert!(before.contains(from), "{from}");
        let o = compare("before.yaml", before.clone(), "after.yaml", before.replace(from, to)).unwrap();
        (o.needs_approval(), o.changes.iter().map(|c| c.rule).collect::<Vec<_>>())
    };
    let widths = judged(id, &id.replace("type: integer", "type: integer, format: int64"));
    assert_eq!(widths, (false, vec!["format-changed"]), "int64 is what an integer already is");
    let narrower = judged(id, &id.replace("type: integer", "type: integer, format: int32"));
    assert_eq!(narrower, (true, vec!["parameter-type-changed"]), "i64 became i32");
    let email = judged(name, "name: { type: string, maxLength: 100, format: email }");
    assert_eq!(email, (true, vec!["request-constraint-tightened"]), "the API may now refuse a name");
    let time = judged(name, "name: { type: string, maxLength: 100, format: date-time }");
    assert_eq!(time, (true, vec!["request-field-type-changed"]), "String became DateTime<Utc>");
}
