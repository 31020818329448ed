//! `spec/octopus.yaml` is a valid OpenAPI 3.0 document that matches the catalog, keeps the project's
//! conventions, and whose every example validates against its schema. A failure names the file, the line
//! and the JSON pointer of the problem.

use codegen::locate::locate;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A loaded spec: its text (for positions) and tree.
struct Doc {
    file: String,
    text: String,
    tree: Value,
}

impl Doc {
    fn load(path: &Path) -> Result<Doc, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let tree: Value = serde_yaml::from_str(&text).map_err(|e| {
            let at = e.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default();
            format!("{}{at}: invalid YAML: {e}", path.display())
        })?;
        Ok(Doc { file: path.display().to_string(), text, tree })
    }

    /// `file:line:column: at <pointer>: message`.
    fn at(&self, pointer: &str, message: impl std::fmt::Display) -> String {
        let pos = locate(&self.text, false, pointer).map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default();
        format!("{}{pos}: at {}: {message}", self.file, if pointer.is_empty() { "#" } else { pointer })
    }
}

use codegen::diag::escape_segment as esc;

/// Problems found by the official OpenAPI 3.0 JSON Schema.
fn meta_schema_problems(doc: &Doc) -> Vec<String> {
    let schema: Value = serde_json::from_str(include_str!("data/oas-3.0-schema-2021-09-28.json")).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("the OAS 3.0 schema compiles");
    validator.iter_errors(&doc.tree).map(|e| doc.at(&e.instance_path().to_string(), e)).collect()
}

/// OpenAPI 3.0 schema semantics as JSON Schema draft 4: `nullable` becomes a `null` type; everything
/// OpenAPI-specific (`example`, `discriminator`, `x-*`, `readOnly`, `format: decimal`) is inert.
fn to_json_schema(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                if k.starts_with("x-") || k == "example" || k == "discriminator" {
                    continue;
                }
                out.insert(k.clone(), to_json_schema(x));
            }
            if m.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = m.get("type") {
                    out.insert("type".into(), json!([t, "null"]));
                } else if !m.contains_key("type") {
                    // `nullable` next to `allOf`/`$ref`: admit null alongside the schema.
                    let inner = Value::Object(out.clone());
                    return json!({"anyOf": [inner, {"type": "null"}]});
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

/// Every example (schema `example`, media-type `example`/`examples`, parameter and header `example`),
/// with the schema it must satisfy.
fn examples(tree: &Value) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    fn walk(v: &Value, p: String, out: &mut Vec<(String, Value, Value)>) {
        let Value::Object(m) = v else {
            if let Value::Array(a) = v {
                for (i, x) in a.iter().enumerate() {
                    walk(x, format!("{p}/{i}"), out);
                }
            }
            return;
        };
        // A schema object (it has schema keywords) carries its own `example`; parameters, headers and media
        // types carry one next to their `schema`.
        let is_schema = ["type", "$ref", "allOf", "oneOf", "anyOf", "properties"].iter().any(|k| m.contains_key(*k));
        if let Some(schema) = m.get("schema") {
            if let Some(ex) = m.get("example") {
                out.push((format!("{p}/example"), ex.clone(), schema.clone()));
            }
            if let Some(Value::Object(exs)) = m.get("examples") {
                for (name, e) in exs {
                    if let Some(val) = e.get("value") {
                        out.push((format!("{p}/examples/{}/value", esc(name)), val.clone(), schema.clone()));
                    }
                }
            }
        } else if is_schema && let Some(ex) = m.get("example") {
            out.push((format!("{p}/example"), ex.clone(), v.clone()));
        }
        for (k, x) in m {
            if k == "example" || k == "examples" {
                continue;
            }
            walk(x, format!("{p}/{}", esc(k)), out);
        }
    }
    walk(tree, String::new(), &mut out);
    out
}

fn example_problems(doc: &Doc) -> (usize, Vec<String>) {
    let components = to_json_schema(doc.tree.get("components").unwrap_or(&Value::Null));
    let found = examples(&doc.tree);
    let mut problems = Vec::new();
    for (pointer, example, schema) in &found {
        // The schema runs inside a root that also holds the components, so `#/components/...` resolves.
        let mut root = to_json_schema(schema);
        if let Value::Object(m) = &mut root {
            m.insert("components".into(), components.clone());
        } else {
            root = json!({"allOf": [root], "components": components});
        }
        let validator = match jsonschema::draft4::new(&root) {
            Ok(v) => v,
            Err(e) => {
                problems.push(doc.at(pointer, format!("its schema does not compile: {e}")));
                continue;
            }
        };
        for e in validator.iter_errors(example) {
            problems.push(doc.at(pointer, format!("example does not match its schema at {}: {e}", e.instance_path())));
        }
    }
    (found.len(), problems)
}

/// The 39 `METHOD /path` pairs of the catalog.
fn catalog() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(root().join("../shared/api/endpoints.md")).expect("../shared/api/endpoints.md");
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("## ")?;
            let mut words = rest.split_whitespace().skip(1);
            let (method, path) = (words.next()?, words.next()?);
            if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method) {
                return None;
            }
            let path = path
                .split('/')
                .map(|s| s.strip_prefix(':').map_or(s.to_string(), |n| format!("{{{n}}}")))
                .collect::<Vec<_>>()
                .join("/");
            Some((method.to_string(), path))
        })
        .collect()
}

/// The project's own rules for the spec, read through the spec layer (`codegen::spec`, `codegen::extensions`).
fn convention_problems(doc: &Doc) -> Vec<String> {
    use codegen::extensions::{self, DocumentPaging, Paging, RateLimit};
    let mut problems = Vec::new();
    let layer = codegen::spec::Document::new(&doc.tree);
    let paging_headers = match extensions::read::<DocumentPaging>(&doc.tree, "") {
        Ok(Some(p)) => Some(p.headers),
        Ok(None) => None,
        Err((at, message)) => {
            problems.push(doc.at(&at, message));
            None
        }
    };
    // One integer width for every id, in paths, parameters and models: a caller never converts.
    let mut id_width = |at: &str, name: &str, schema: &Value| {
        let schema = layer.follow(schema);
        if (name == "id" || name.ends_with("_id")) && schema["type"] == "integer" && schema["format"] != "int64" {
            problems.push(doc.at(at, format!("integer id `{name}` is not `format: int64`")));
        }
    };
    for (name, schema) in doc.tree["components"]["schemas"].as_object().into_iter().flatten() {
        for (prop, s, at) in layer.object_view(schema, &format!("/components/schemas/{}", esc(name))).properties {
            id_width(&at, &prop, s);
        }
    }
    for operation in layer.operations() {
        for (i, p) in operation.operation["parameters"].as_array().into_iter().flatten().enumerate() {
            let p = layer.follow(p);
            let at = format!("{}/parameters/{i}/schema", operation.pointer);
            id_width(&at, p["name"].as_str().unwrap_or_default(), &p["schema"]);
        }
    }
    let mut ids = BTreeSet::new();
    for operation in layer.operations() {
        let (op, p) = (operation.operation, operation.pointer.as_str());
        let id = operation.id.unwrap_or_default();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()) {
            problems.push(doc.at(p, format!("operationId `{id}` is not snake_case")));
        }
        if !ids.insert(id.to_string()) {
            problems.push(doc.at(&format!("{p}/operationId"), format!("duplicate operationId `{id}`")));
        }
        for key in ["summary", "tags", "x-doc", "x-rate-limit"] {
            if op.get(key).is_none() {
                problems.push(doc.at(p, format!("missing `{key}`")));
            }
        }
        if let Err((at, message)) = extensions::read::<RateLimit>(op, p) {
            problems.push(doc.at(&at, message));
        }
        let params: Vec<&Value> = op["parameters"].as_array().into_iter().flatten().map(|q| layer.follow(q)).collect();
        let paging = match extensions::read::<Paging>(op, p) {
            Ok(paging) => paging,
            Err((at, message)) => {
                problems.push(doc.at(&at, message));
                None
            }
        };
        if params.iter().any(|q| q["name"] == "page") && paging.is_none() {
            problems.push(doc.at(p, "a list with a `page` parameter lacks `x-paging`"));
        }
        for (status, resp) in op["responses"].as_object().into_iter().flatten() {
            let rp = format!("{p}/responses/{}", esc(status));
            let resp = layer.follow(resp);
            let headers = resp["headers"].as_object().cloned().unwrap_or_default();
            if !headers.contains_key("X-Request-Id") {
                problems.push(doc.at(&rp, "response lacks the X-Request-Id header"));
            }
            if status == "429" && !headers.contains_key("Retry-After") {
                problems.push(doc.at(&rp, "429 lacks the Retry-After header"));
            }
            if let (Some(_), Some(names), true) = (&paging, &paging_headers, status.starts_with('2')) {
                let declared = [
                    &names.page,
                    &names.per_page,
                    &names.total_count,
                    &names.total_pages,
                    &names.page_size,
                    &names.has_more,
                ];
                for h in declared {
                    if !headers.contains_key(h.as_str()) {
                        problems.push(doc.at(&rp, format!("paged list lacks the {h} header its x-paging names")));
                    }
                }
            }
            if !status.starts_with('2') {
                let schema = &resp["content"]["application/json"]["schema"]["$ref"];
                if schema != "#/components/schemas/ErrorEnvelope" {
                    problems.push(doc.at(&rp, "error response does not use the ErrorEnvelope schema"));
                }
            }
        }
        let public = op.get("security") == Some(&json!([]));
        if ["login", "refresh_token"].contains(&id) != public {
            problems.push(doc.at(p, "only login and refresh_token may (and must) declare `security: []`"));
        }
    }
    problems
}

fn all_problems(path: &Path) -> Vec<String> {
    let doc = match Doc::load(path) {
        Ok(d) => d,
        Err(e) => return vec![e],
    };
    let mut p = meta_schema_problems(&doc);
    p.extend(example_problems(&doc).1);
    p.extend(convention_problems(&doc));
    p
}

#[test]
fn spec_is_valid_openapi_3_0_with_valid_examples_and_conventions() {
    let problems = all_problems(&root().join("spec/octopus.yaml"));
    assert!(problems.is_empty(), "spec/octopus.yaml has {} problem(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn spec_examples_are_found_and_checked() {
    let doc = Doc::load(&root().join("spec/octopus.yaml")).unwrap();
    let (count, problems) = example_problems(&doc);
    assert!(problems.is_empty());
    // Every JSON example of the documents is attached: the product lists and details, the eSIM order, errors.
    assert!(count >= 40, "only {count} examples found");
    eprintln!("validated {count} examples");
}

#[test]
fn spec_covers_exactly_the_catalog() {
    let doc = Doc::load(&root().join("spec/octopus.yaml")).unwrap();
    let ours: BTreeSet<(String, String)> = codegen::spec::Document::new(&doc.tree)
        .operations()
        .iter()
        .map(|o| (o.method.to_uppercase(), o.path.to_string()))
        .collect();
    let theirs = catalog();
    assert_eq!(theirs.len(), 39, "the catalog lists 39 endpoints");
    let missing: Vec<_> = theirs.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&theirs).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from the spec: {missing:?}\nnot in the catalog: {extra:?}"
    );
}

#[test]
fn a_broken_spec_fails_with_file_line_and_pointer() {
    let dir = std::env::temp_dir().join(format!("spec-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read_to_string(root().join("spec/octopus.yaml")).unwrap();

    // An example that contradicts its schema.
    let bad = good.replacen("{ id: 712, name: Japan eSIM,", "{ id: \"712\", name: Japan eSIM,", 1);
    let path = dir.join("bad-example.yaml");
    std::fs::write(&path, bad).unwrap();
    let p = all_problems(&path);
    assert!(
        p.iter().any(|m| m.contains("bad-example.yaml:")
            && m.contains("at /paths/~1api~1v1~1esim~1products/get/responses/200/content/application~1json/example")
            && m.contains("\"712\" is not of type \"integer\"")),
        "{p:#?}"
    );

    // A structural error caught by the OpenAPI meta-schema: a parameter without `in`.
    let bad = good.replacen("      in: query\n      description: Page number", "      description: Page number", 1);
    let path = dir.join("bad-structure.yaml");
    std::fs::write(&path, bad).unwrap();
    let p = all_problems(&path);
    let line = p.iter().find(|m| m.contains("at /components/parameters/Page")).unwrap_or_else(|| panic!("{p:#?}"));
    assert!(
        line.starts_with(&format!("{}:", path.display())) && line.split(':').nth(1).unwrap().parse::<usize>().is_ok(),
        "{line}"
    );

    // Malformed YAML.
    let path = dir.join("bad-yaml.yaml");
    std::fs::write(&path, "openapi: 3.0.3\ninfo:\n  title: t\n   version: 1\n").unwrap();
    assert_eq!(all_problems(&path).len(), 1);
    assert!(all_problems(&path)[0].contains("bad-yaml.yaml:4:11: invalid YAML"));
    let _ = std::fs::remove_dir_all(&dir);
}
