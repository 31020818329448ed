//! OpenAPI 3.1 and 3.2 documents are read fully, through the 3.0 pipeline (`codegen/src/openapi31.rs`):
//! every construct of `fixtures/real-world/openapi31.yaml` generates the type it should, diagnostics point
//! into the user's file even where normalising moved a node, a foreign dialect and 3.2's constructs that
//! cannot be honoured are refused at their pointer, and numbers of any size load (3.0 included), a bound its
//! Rust type cannot hold dropped with a warning. That 3.0 output is unchanged is `golden.rs`'s and
//! `cargo xtask generate --check`'s to prove; `a_3_0_document_reads_no_3_1_keyword` shows the rewrite stays
//! out of 3.0 documents.

use codegen::{CrateOptions, Diagnostics, Generated, generate_str};
use std::path::Path;

fn opts() -> CrateOptions {
    CrateOptions { crate_name: "t".into(), spec_label: "t.yaml".into(), standalone: true }
}

fn generate(name: &str, text: &str) -> Generated {
    generate_str(name, text.to_string(), &opts()).unwrap_or_else(|d| panic!("{name} does not generate:\n{d}"))
}

fn errors_of(name: &str, text: &str) -> Vec<String> {
    match generate_str(name, text.to_string(), &opts()) {
        Ok(_) => panic!("{name} should not generate"),
        Err(Diagnostics(d)) => d.iter().map(ToString::to_string).collect(),
    }
}

fn warnings(g: &Generated) -> Vec<String> {
    g.warnings.iter().map(ToString::to_string).collect()
}

/// The text of one item (`pub struct Pet`, `pub enum Shape`) in the generated models, up to its closing brace.
fn item<'a>(models: &'a str, head: &str) -> &'a str {
    let start = models.find(head).unwrap_or_else(|| panic!("no `{head}` in the models"));
    let end = models[start..].find("\n}").map_or(models.len(), |e| start + e + 2);
    &models[start..end]
}

fn fixture() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-world/openapi31.yaml");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn every_3_1_construct_generates_its_type() {
    let g = generate("openapi31.yaml", &fixture());
    let models = &g.files["src/models.rs"];
    let pet = item(models, "pub struct Pet {");
    let field = |name: &str, ty: &str| {
        let wanted = format!("pub {name}: {ty},");
        assert!(pet.contains(&wanted), "`{wanted}` not in\n{pet}");
    };
    // Every form of nullability is one Rust type: optional and nullable is `Tristate`, as 3.0's `nullable`.
    field("nickname", "crate::support::Tristate<String>");
    field("legacy", "crate::support::Tristate<String>");
    field("owner", "crate::support::Tristate<Owner>");
    field("previous", "crate::support::Tristate<Owner>");
    // A `$ref` with a description: the referenced type, documented with the sibling.
    field("tag", "Option<Tag>");
    assert!(pet.contains("/// The pet's tag, documented beside its reference."), "{pet}");
    // `const` is a one-value open enum; `examples` do not disturb the type.
    field("kind", "PetKind");
    field("name", "String");
    assert!(models.contains("impl_open_string_enum!(PetKind { Dog = \"dog\", })"), "{models}");
    // Numeric exclusive bounds, base64 content, binary media.
    field("weight", "Option<f64>");
    field("photo", "Option<String>");
    field("raw", "Option<String>");
    // `prefixItems`: a tuple; with more items after it, a list of JSON values (warned below).
    field("position", "Option<(f64, f64, Option<String>)>");
    field("trail", "Option<Vec<serde_json::Value>>");
    // Several types: an open untagged union.
    field("score", "Option<PetScore>");
    let score = item(models, "pub enum PetScore {");
    assert!(score.contains("String(String),") && score.contains("I64(i64),") && score.contains("Unknown("), "{score}");
    // `patternProperties` shapes the map's values; `unevaluatedProperties: false` and `dependentRequired`
    // leave a struct as it is.
    field("labels", "Option<std::collections::BTreeMap<String, String>>");
    field("sealed", "Option<PetSealed>");
    // `$defs` by pointer, `$anchor` by name, a `true` schema.
    field("local", "Option<uuid::Uuid>");
    field("anchored", "Option<Tag>");
    field("anything", "Option<serde_json::Value>");
    // A `$ref` beside constraining keywords: merged as an `allOf`.
    let new_pet = item(models, "pub struct NewPet {");
    assert!(new_pet.contains("pub extra: Option<bool>,") && new_pet.contains("pub name: String,"), "{new_pet}");
    // `const` discriminates a union.
    assert!(models.contains("Shape(\"kind\") { Circle = [\"circle\"], Square = [\"square\"], }"), "{models}");
    // A `type: "null"` schema.
    assert!(models.contains("pub type Nothing = Option<serde_json::Value>;"), "{models}");
    // `webhooks` payloads are typed and compile with the `webhooks` feature, as `x-webhooks`' do.
    assert!(models.contains("#[cfg(feature = \"webhooks\")]\ncrate::support::impl_deserialize_struct!(Adoption"));
    let webhook = g.files.get("src/webhook.rs").map(String::as_str).unwrap_or_default();
    assert!(webhook.contains("pub fn verify("), "verification: {:?}", g.files.keys());
    let adoption = item(models, "pub struct Adoption {");
    assert!(adoption.contains("pub at: crate::support::Tristate<chrono::DateTime<chrono::Utc>>,"), "{adoption}");
    // A path item by `$ref` to `components/pathItems`.
    let ops =
        g.files.iter().filter(|(p, _)| p.starts_with("src/operations")).map(|(_, t)| t.as_str()).collect::<String>();
    assert!(ops.contains("pub async fn get_pet(") && ops.contains("pub async fn list_shapes("), "{ops}");
    assert!(ops.contains("Option<u64>") || ops.contains("Option<i64>"), "the nullable limit: {ops}");

    // Bounds its Rust type cannot hold are dropped, each warned at the place the user wrote it.
    let w = warnings(&g);
    let has = |needle: &str| assert!(w.iter().any(|x| x.contains(needle)), "no `{needle}` in {w:#?}");
    has(
        "openapi31.yaml:83:57: warning at /components/schemas/Pet/properties/id/maximum: `maximum: 1e+30` is outside what `i64` holds",
    );
    has(
        "openapi31.yaml:39:11: warning at /paths/~1shapes/get/parameters/0/schema/maximum: `maximum: 1.8446744073709552e+19` is outside what `i64` holds",
    );
    has("warning at /components/schemas/Pet/properties/trail: a tuple followed by more items");
}

#[test]
fn diagnostics_point_where_the_user_wrote_a_node_normalising_moved() {
    let text = "openapi: 3.1.0
info: { title: t, version: '1' }
components:
  schemas:
    A:
      type: [object, string]
      properties:
        b: { $ref: '#/components/schemas/Gone' }
    B:
      anyOf:
        - type: 'null'
        - $ref: '#/components/schemas/Missing'
    C:
      $ref: '#/components/schemas/Away'
      required: [x]
";
    assert_eq!(
        errors_of("moved.yaml", text),
        [
            // The `properties` moved into the `object` branch of an `anyOf`; the `$ref` into an `allOf` twice.
            "moved.yaml:8:14: error at /components/schemas/A/properties/b/$ref: unresolved reference `#/components/schemas/Gone`: nothing exists at that pointer",
            "moved.yaml:12:11: error at /components/schemas/B/anyOf/1/$ref: unresolved reference `#/components/schemas/Missing`: nothing exists at that pointer",
            "moved.yaml:14:7: error at /components/schemas/C/$ref: unresolved reference `#/components/schemas/Away`: nothing exists at that pointer",
        ]
    );
}

#[test]
fn a_foreign_dialect_is_refused_at_its_pointer_and_the_default_accepted() {
    let doc =
        |dialect: &str| format!("openapi: 3.1.1\njsonSchemaDialect: {dialect}\ninfo: {{ title: t, version: '1' }}\n");
    assert_eq!(
        errors_of("d.yaml", &doc("https://json-schema.org/draft/2019-09/schema")),
        [
            "d.yaml:2:1: error at /jsonSchemaDialect: the JSON Schema dialect \"https://json-schema.org/draft/2019-09/schema\" is not supported: this generator reads OpenAPI's own dialect (https://spec.openapis.org/oas/3.1/dialect/base), and schemas in another may mean something else"
        ]
    );
    // The default, by name; no `paths` is fine in 3.1.
    generate("d.yaml", &doc("https://spec.openapis.org/oas/3.1/dialect/base"));
    generate("d.yaml", &doc("https://json-schema.org/draft/2020-12/schema"));
}

#[test]
fn openapi_3_2_is_read_where_the_3_1_reader_suffices() {
    let text = "openapi: 3.2.0
info: { title: t, version: '1' }
paths:
  /events:
    get:
      operationId: events
      responses:
        '200':
          description: A stream.
          content:
            text/event-stream:
              itemSchema: { type: object, properties: { data: { type: [string, 'null'] } } }
    query:
      operationId: search
      responses: { '200': { description: ok } }
";
    let g = generate("v32.yaml", text);
    let w = warnings(&g);
    assert!(
        w.contains(
            &"v32.yaml:13:5: warning at /paths/~1events/query: the QUERY method (OpenAPI 3.2) is not generated"
                .to_string()
        ),
        "{w:#?}"
    );
    // `itemSchema` survives, normalised like any schema, for the streaming reader.
    let spec = codegen::load::load_str("v32.yaml", text.to_string()).unwrap();
    let item = spec.raw.pointer("/paths/~1events/get/responses/200/content/text~1event-stream/itemSchema").unwrap();
    assert_eq!(item["properties"]["data"], serde_json::json!({"type": "string", "nullable": true}));

    let querystring = "openapi: 3.2.0
info: { title: t, version: '1' }
paths:
  /search:
    get:
      parameters:
        - { name: q, in: querystring, content: { application/x-www-form-urlencoded: { schema: { type: object } } } }
      responses: { '200': { description: ok } }
";
    let e = errors_of("qs.yaml", querystring);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("qs.yaml:7:11: error at /paths/~1search/get/parameters/0/in: a `querystring` parameter"),
        "{e:?}"
    );
    // Later versions are refused in one sentence.
    assert_eq!(
        errors_of("v4.yaml", "openapi: 4.0.0\ninfo: { title: t, version: '1' }\npaths: {}\n"),
        [
            "v4.yaml:1:1: error at #: OpenAPI 4.0.0 documents are not supported: this generator reads OpenAPI 3.0, 3.1 and 3.2."
        ]
    );
}

#[test]
fn numbers_of_any_size_load_from_yaml_and_json() {
    let yaml = "openapi: 3.0.3
info: { title: t, version: '1' }
paths: {}
components:
  schemas:
    A:
      type: object
      properties:
        big: { type: integer, maximum: 18446744073709551616 }
        wide: { type: integer, format: uint64, maximum: 18446744073709551615 }
        float: { type: number, maximum: 1e30, minimum: -1e40 }
        small: { type: integer, format: int32, minimum: -1e40 }
        long: { type: string, maxLength: 1e30 }
";
    let g = generate("n.yaml", yaml);
    let mut w = warnings(&g);
    w.sort();
    assert_eq!(
        w,
        [
            "n.yaml:12:48: warning at /components/schemas/A/properties/small/minimum: `minimum: -1e+40` is outside what `i32` holds, so it is dropped",
            "n.yaml:13:31: warning at /components/schemas/A/properties/long/maxLength: `maxLength: 1e+30` is not a count this generator can hold, so it is dropped",
            "n.yaml:9:31: warning at /components/schemas/A/properties/big/maximum: `maximum: 1.8446744073709552e+19` is outside what `i64` holds, so it is dropped",
        ]
    );
    let a = item(&g.files["src/models.rs"], "pub struct A {");
    assert!(
        a.contains("pub big: Option<i64>,")
            && a.contains("pub wide: Option<u64>,")
            && a.contains("pub small: Option<i32>,")
    );

    let json = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
 "components": {"schemas": {"A": {"type": "object", "properties": {
   "big": {"type": "integer", "maximum": 18446744073709551616},
   "neg": {"type": "integer", "minimum": -1e40}}}}}}"#;
    let g = generate("n.json", json);
    let w = warnings(&g);
    assert_eq!(w.len(), 2, "{w:#?}");
    assert!(w[0].starts_with("n.json:3:31: warning at /components/schemas/A/properties/big/maximum"), "{w:#?}");
}

#[test]
fn a_3_0_document_reads_no_3_1_keyword() {
    // The same keywords in a 3.0 document mean what they meant before: nothing (openapiv3 ignores them).
    let text = "openapi: 3.0.3
info: { title: t, version: '1' }
paths: {}
components:
  schemas:
    A:
      type: object
      properties:
        kind: { type: string, const: dog }
        tag: { $ref: '#/components/schemas/B', description: Not read in 3.0. }
    B: { type: object, properties: { x: { type: string } } }
";
    let g = generate("v30.yaml", text);
    let a = item(&g.files["src/models.rs"], "pub struct A {");
    assert!(a.contains("pub kind: Option<String>,") && !a.contains("Not read in 3.0."), "{a}");
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);
}

#[test]
fn a_value_repeated_in_an_enum_or_across_const_branches_is_one_variant() {
    // Vercel's description repeats enum values; an `anyOf` of `const`s can too. A second variant for the same
    // value would be an unreachable pattern.
    let text = "openapi: 3.1.0
info: { title: t, version: '1' }
components:
  schemas:
    Target: { type: string, enum: [production, preview, development, preview] }
    Mode:
      anyOf: [{ const: fast }, { const: slow }, { const: fast }]
    Level: { type: integer, enum: [1, 2, 1] }
";
    let g = generate("dup.yaml", text);
    let models = &g.files["src/models.rs"];
    let flat = models.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Target { Production = \"production\", Preview = \"preview\", Development = \"development\", }"),
        "{models}"
    );
    assert!(flat.contains("Mode { Fast = \"fast\", Slow = \"slow\", }"), "{models}");
    let level = item(models, "pub enum Level {");
    assert_eq!(level.matches("V1").count(), 1, "{level}");
}

#[test]
fn malformed_3_1_keywords_never_panic() {
    // Each schema replaces `S` in a small document; every one loads or is refused with placed diagnostics.
    let schemas = [
        "{ type: [] }",
        "{ type: [1, {}, null] }",
        "{ type: ['null', 'null'] }",
        "{ type: [string, object, array, boolean, integer, number, 'null'], enum: [a, 1, true, null, [1], {a: 1}], format: int32, items: 5, properties: 7 }",
        "{ anyOf: x, oneOf: [] }",
        "{ anyOf: [{type: 'null'}, {type: 'null'}] }",
        "{ oneOf: [{type: 'null'}], allOf: [true, false] }",
        "{ const: [1, 2] }",
        "{ const: {a: 1}, enum: [] }",
        "{ examples: {}, example: 1 }",
        "{ examples: [] }",
        "{ exclusiveMinimum: x, exclusiveMaximum: 1e400 }",
        "{ type: integer, exclusiveMinimum: 5, minimum: 9 }",
        "{ prefixItems: {} }",
        "{ prefixItems: [true, false, 3] }",
        "{ prefixItems: [{$ref: '#/components/schemas/S'}] }",
        "{ patternProperties: [], unevaluatedProperties: 3 }",
        "{ patternProperties: {a: 1, b: 2} }",
        "{ $ref: 7, description: x }",
        "{ $ref: '#nowhere', type: object }",
        "{ $anchor: 5, $id: [] }",
        "{ contentEncoding: 5, contentMediaType: [] }",
        "false",
        "7",
    ];
    for schema in schemas {
        let text = format!(
            "openapi: 3.1.0\ninfo: {{ title: t, version: '1' }}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: x\n          content: {{ application/json: {{ schema: {{ $ref: '#/components/schemas/S' }} }} }}\ncomponents:\n  schemas:\n    S: {schema}\n"
        );
        let _ = generate_str("hostile.yaml", text, &opts());
    }
    for top in
        ["webhooks: []", "webhooks: { a: 5 }", "paths: 5", "jsonSchemaDialect: 5", "components: { pathItems: [] }"]
    {
        let text = format!("openapi: 3.1.0\ninfo: {{ title: t, version: '1' }}\n{top}\n");
        let _ = generate_str("hostile.yaml", text, &opts());
    }
}

#[test]
fn a_3_2_media_type_component_is_inlined_where_it_is_referenced() {
    let text = "openapi: 3.2.0
info: { title: t, version: '1' }
paths:
  /a:
    get:
      operationId: a
      responses:
        '200':
          description: ok
          content:
            application/json: { $ref: '#/components/mediaTypes/Thing' }
components:
  mediaTypes:
    Thing:
      schema: { type: object, properties: { n: { type: [integer, 'null'] } } }
";
    let g = generate("media.yaml", text);
    let ops =
        g.files.iter().filter(|(p, _)| p.starts_with("src/operations")).map(|(_, t)| t.as_str()).collect::<String>();
    assert!(ops.contains("ApiResponse<crate::models::AResponse200>"), "{ops}");
    assert!(
        item(&g.files["src/models.rs"], "pub struct AResponse200 {").contains("pub n: crate::support::Tristate<i64>,")
    );
}
