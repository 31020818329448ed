//! Bad input gets a clear error naming the place (file:line:column and JSON pointer), every problem is
//! reported at once, declined constructs say so, and nothing panics.

use codegen::{CrateOptions, Diagnostics, generate_file, generate_str};
use std::path::Path;

fn opts() -> CrateOptions {
    CrateOptions { crate_name: "t".into(), spec_label: "t.yaml".into(), standalone: true }
}

fn errors_of(name: &str, text: &str) -> Vec<String> {
    match generate_str(name, text.to_string(), &opts()) {
        Ok(_) => panic!("{name} should not generate"),
        Err(Diagnostics(d)) => d.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn swagger_2_and_other_versions_are_refused_in_one_sentence() {
    assert_eq!(
        errors_of("sw.json", r#"{"swagger": "2.0", "info": {}}"#),
        [
            "sw.json:1:1: error at #: Swagger 2.0 documents are not supported: this generator reads OpenAPI 3.0, 3.1 and 3.2 (convert the document first)."
        ]
    );
    assert_eq!(
        errors_of("v33.yaml", "openapi: 3.3.0\ninfo: { title: t, version: '1' }\npaths: {}\n"),
        [
            "v33.yaml:1:1: error at #: OpenAPI 3.3.0 documents are not supported: this generator reads OpenAPI 3.0, 3.1 and 3.2."
        ]
    );
    assert_eq!(
        errors_of("none.yaml", "info: { title: t }\n"),
        ["none.yaml:1:1: error at #: not an OpenAPI document: the `openapi: 3.0.x` field is missing."]
    );
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let e = errors_of("broken.yaml", "openapi: 3.0.3\ninfo:\n  title: t\n   version: 1\n");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("broken.yaml:4:11: error at #: invalid YAML:"), "{}", e[0]);
    let e = errors_of("broken.json", "{\"openapi\": \"3.0.3\",\n \"info\": }");
    assert!(e[0].starts_with("broken.json:2:10: error at #: invalid JSON:"), "{}", e[0]);
}

#[test]
fn shape_errors_inside_path_items_are_placed_precisely() {
    let e = errors_of(
        "shape.yaml",
        "openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  /a:\n    get:\n      responses: 5\n",
    );
    assert_eq!(
        e,
        [
            "shape.yaml:5:5: error at /paths/~1a/get: not a valid OpenAPI 3.0 document: invalid type: integer `5`, expected struct Responses"
        ]
    );
    let e = errors_of(
        "shape.json",
        "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"},\n \"paths\": {\"/a\": {\"get\": {\"responses\": {\"200\": {\"description\": 1}}}}}}",
    );
    assert_eq!(
        e,
        [
            "shape.json:2:41: error at /paths/~1a/get/responses/200: not a valid OpenAPI 3.0 document: invalid type: integer `1`, expected a string"
        ]
    );
}

#[test]
fn every_problem_is_reported_at_once_with_its_place() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/many-problems.yaml");
    let Err(Diagnostics(d)) = generate_file(&path, &opts()) else { panic!("must fail") };
    let file = path.display().to_string();
    let lines: Vec<String> = d.iter().map(|d| d.to_string().replacen(&file, "many-problems.yaml", 1)).collect();
    assert_eq!(
        lines,
        [
            "many-problems.yaml:20:25: error at /paths/~1a/get/responses/200/content/application~1json/schema/$ref: unresolved reference `#/components/schemas/Missing`: nothing exists at that pointer",
            "many-problems.yaml:22:5: warning at /paths/~1b~1{id}/post: path template `/b/{id}` names `{id}` but the operation declares no path parameter `id`; it is taken as a required string argument `id` (lenient mode)",
            "many-problems.yaml:23:7: warning at /paths/~1b~1{id}/post/operationId: duplicate operationId `same` (first used at /paths/~1a/get/operationId); this operation's method is renamed",
            "many-problems.yaml:23:7: warning at /paths/~1b~1{id}/post/operationId: operation method `same` is generated as `same2`: another name of the same scope already converts to `same`",
            "many-problems.yaml:27:13: warning at /paths/~1b~1{id}/post/requestBody/content/multipart~1form-data/schema: multipart body without properties: the operation takes a `multipart::MultipartForm` built by hand",
            "many-problems.yaml:38:25: error at /paths/~1c/get/responses/200/content/application~1json/schema/$ref: external reference `other.yaml#/Thing` is not supported; inline it or bundle the document",
            "many-problems.yaml:41:10: error at /components/schemas/A/$ref: reference `#/components/schemas/B` is part of a cycle of references",
            "many-problems.yaml:42:10: error at /components/schemas/B/$ref: reference `#/components/schemas/A` is part of a cycle of references",
        ]
    );
}

/// A package name Cargo would refuse is refused before the document is read, with Cargo's rule.
#[test]
fn a_crate_name_cargo_would_refuse_is_refused_first() {
    for name in ["rw-box-v2026.0", "", "2fa", "async", "test", "cli\u{e9}nt"] {
        let opts = CrateOptions { crate_name: name.into(), ..opts() };
        let Err(Diagnostics(d)) = generate_str("spec.yaml", "not even YAML: [".into(), &opts) else {
            panic!("{name:?} must be refused")
        };
        assert_eq!(d.len(), 1, "{d:?}");
        let line = d[0].to_string();
        assert!(line.starts_with(&format!("spec.yaml: error at #: invalid crate name {name:?}: ")), "{line}");
        assert!(line.contains("Cargo's rule: a package name is not empty, starts with a letter or `_`"), "{line}");
    }
    let Err(Diagnostics(d)) =
        generate_str("spec.yaml", "x".into(), &CrateOptions { crate_name: "rw-box-v2026.0".into(), ..opts() })
    else {
        panic!()
    };
    assert_eq!(
        d[0].message,
        "invalid crate name \"rw-box-v2026.0\": `.` is not allowed (only letters, digits, `-` and `_`). Cargo's rule: a package name is not empty, starts with a letter or `_` (never a digit), and continues with letters, digits, `-` or `_`; this generator also requires ASCII (rustc cannot load a crate with a non-ASCII name) and refuses Rust keywords, `test`, the standard library's crate names, Cargo's build directory names and Windows' reserved names"
    );
}

#[test]
fn unreadable_files_are_errors_not_panics() {
    let Err(Diagnostics(d)) = generate_file(Path::new("/nonexistent/spec.yaml"), &opts()) else { panic!() };
    assert!(d[0].to_string().starts_with("/nonexistent/spec.yaml: error at #: cannot read the spec:"), "{}", d[0]);
    // Arbitrary text and structure: an error every time, never a panic.
    for text in [
        "",
        "[]",
        "null",
        "{}",
        ":",
        "- - -",
        "openapi: 3.0.0",
        "openapi: [3]",
        "\u{0}\u{1}",
        "{\"openapi\": \"3.0.0\", \"paths\": 5}",
    ] {
        assert!(generate_str("x.yaml", text.to_string(), &opts()).is_err(), "{text:?} should be an error");
    }
}

#[test]
fn hostile_but_valid_documents_generate() {
    // Keyword names, unicode, empty strings, a long reference chain and a self-referencing schema.
    let mut schemas = String::new();
    for i in 0..50 {
        schemas.push_str(&format!("    Chain{i}: {{ $ref: '#/components/schemas/Chain{}' }}\n", i + 1));
    }
    schemas.push_str("    Chain50: { type: string }\n");
    let text = format!(
        "openapi: 3.0.3\ninfo: {{ title: t, version: '1' }}\npaths:\n  /type/{{self}}:\n    get:\n      operationId: match\n      parameters:\n        - {{ name: self, in: path, required: true, schema: {{ type: string }} }}\n      responses:\n        '200': {{ description: ok, content: {{ application/json: {{ schema: {{ $ref: '#/components/schemas/Loop' }} }} }} }}\ncomponents:\n  schemas:\n    Loop: {{ type: object, properties: {{ next: {{ $ref: '#/components/schemas/Loop' }}, 'größe': {{ type: string }}, '': {{ type: string }}, enum: {{ type: string, enum: ['', 'ü', 'a b'] }} }} }}\n{schemas}"
    );
    let g = generate_str("hostile.yaml", text, &opts()).unwrap_or_else(|d| panic!("{d}"));
    let models = &g.files["src/models.rs"];
    assert!(models.contains("pub next: Option<Box<Loop>>"), "{models}");
    assert!(g.files["src/operations/untagged.rs"].contains("pub async fn r#match("));
}

#[test]
fn malformed_extensions_are_errors_at_the_key_at_fault() {
    let text = r#"openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /things:
    get:
      operationId: list
      x-paging: { page: page, size: per_page }
      x-poll: { terminal: [], schedule: [{ every_seconds: 5, for_seconds: 60 }] }
      x-cache: { ttl_seconds: 60, never: true }
      parameters:
        - { name: page, in: query, schema: { type: integer } }
      responses:
        "200": { description: ok }
  /things/{id}:
    get:
      operationId: one
      x-cache: { ttl_seconds: 60, resource: { name: thing, param: thing_id } }
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
      responses:
        "200": { description: ok }
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
      x-token-lifecycle: { login: nowhere, credentials: { key: k }, tokens: { access: /token } }
"#;
    assert_eq!(
        errors_of("ext.yaml", text),
        [
            "ext.yaml:7:31: error at /paths/~1things/get/x-paging/size: `per_page` is not a query parameter of this operation",
            "ext.yaml:8:17: error at /paths/~1things/get/x-poll/terminal: x-poll: lists no terminal status",
            "ext.yaml:9:35: error at /paths/~1things/get/x-cache/never: x-cache: `never` and `ttl_seconds` contradict each other",
            "ext.yaml:17:60: error at /paths/~1things~1{id}/get/x-cache/resource/param: x-cache: `thing_id` is not a path parameter of this operation",
            "ext.yaml:27:44: error at /components/securitySchemes/bearer/x-token-lifecycle/credentials: x-token-lifecycle: missing field `secret`",
        ]
    );
}

/// `x-rate-limit` was read only by this project's tools, and other documents shape theirs differently: one
/// this generator cannot read is a warning (the quota budget leaves the operation unpaced), not a refusal.
#[test]
fn a_foreign_rate_limit_is_a_warning_not_a_refusal() {
    let text = r#"openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /things:
    get:
      operationId: list
      x-rate-limit: 10
      responses:
        "200": { description: ok }
"#;
    let g = codegen::generate_str("rl.yaml", text.to_string(), &opts()).unwrap_or_else(|d| panic!("{d}"));
    let warnings: Vec<String> = g.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.contains("/paths/~1things/get/x-rate-limit") && w.contains("does not pace")),
        "{warnings:?}"
    );
    assert!(g.files["src/lib.rs"].contains("RATE_CLASSES: &[budget::RateClass] = &[]"));
}
