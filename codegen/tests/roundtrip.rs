//! Decode/encode round trips through the generated types: open enums, unknown fields, exact money, and
//! absent versus null.

use fixture_client::Tristate;
use fixture_client::models::{Color, Event, IdOrName, Level, Shape, Thing};
use octopus_client::models::{EsimOrderStatus, EsimProductDetail, TopupOrder};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

fn thing(extra: Value) -> Value {
    let mut base = json!({"id": 1, "name": "a", "nickname": null, "price": 1});
    base.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    base
}

#[test]
fn unknown_string_enum_value_is_kept_and_reserialized() {
    let c: Color = serde_json::from_value(json!("ultraviolet")).unwrap();
    assert_eq!(c, Color::Unknown("ultraviolet".into()));
    assert!(c.is_unknown() && !Color::DarkBlue.is_unknown());
    assert_eq!(serde_json::to_value(&c).unwrap(), json!("ultraviolet"));
    // A documented value that happens to be spelled "Unknown" is still a known variant.
    assert_eq!(serde_json::from_value::<Color>(json!("Unknown")).unwrap(), Color::Unknown2);
    assert_eq!(serde_json::from_value::<Color>(json!("dark-blue")).unwrap(), Color::DarkBlue);
    assert_eq!(serde_json::from_value::<Color>(json!("")).unwrap(), Color::Empty);

    let s: EsimOrderStatus = serde_json::from_value(json!("ON_HOLD")).unwrap();
    assert_eq!(s.as_str(), "ON_HOLD");
    assert_eq!(serde_json::to_string(&s).unwrap(), "\"ON_HOLD\"");
}

#[test]
fn unknown_integer_enum_value_is_kept() {
    let l: Level = serde_json::from_value(json!(7)).unwrap();
    assert_eq!(l, Level::Unknown(7));
    assert!(l.is_unknown() && !Level::V2.is_unknown());
    assert_eq!(serde_json::to_value(l).unwrap(), json!(7));
    assert_eq!(serde_json::from_value::<Level>(json!(2)).unwrap(), Level::V2);
}

#[test]
fn unknown_fields_are_ignored() {
    let t: Thing = serde_json::from_value(thing(json!({"brand_new_field": {"deep": [1, 2]}}))).unwrap();
    assert_eq!(t.name, "a");
    let o: TopupOrder = serde_json::from_value(json!({
        "id": 1, "product_id": 2, "amount": 4.7405, "currency": "INR", "status": "PENDING",
        "created_at": "2025-01-15T13:00:00Z", "added_in_v1_7": true
    }))
    .unwrap();
    assert_eq!(o.amount, Decimal::from_str("4.7405").unwrap());
}

#[test]
fn money_survives_decode_and_encode_exactly() {
    let body = r#"{"id": 712, "name": "Japan eSIM", "country_code": "JPN", "currency_code": "USD", "image_url": "",
        "variants": [
          {"id": 5511, "currency_code": "USD", "amount": 4.50, "data_amount_gb": 1.0, "validity_days": 7},
          {"id": 5512, "currency_code": "USD", "amount": 14.90, "data_amount_gb": 5.0, "validity_days": 30}
        ]}"#;
    let p: EsimProductDetail = serde_json::from_str(body).unwrap();
    assert_eq!(p.variants[0].amount, Decimal::from_str("4.50").unwrap());
    assert_eq!(p.variants[1].amount, Decimal::from_str("14.90").unwrap());
    // Encoding gives the same decimal back, with no float drift (14.9, never 14.900000000000000355).
    let again = serde_json::to_string(&p).unwrap();
    assert!(again.contains("\"amount\":4.5,") && again.contains("\"amount\":14.9,"), "{again}");
    let back: EsimProductDetail = serde_json::from_str(&again).unwrap();
    assert_eq!(back, p);
    // Amounts with more decimals than cents, as the charges endpoints return, stay exact too.
    for text in ["0.225", "4.275", "4.7405", "0.1", "1000000000.01"] {
        let d: Decimal = serde_json::from_str(text).unwrap();
        assert_eq!(d, Decimal::from_str(text).unwrap(), "{text}");
        assert_eq!(serde_json::from_str::<Decimal>(&serde_json::to_string(&d).unwrap()).unwrap(), d);
    }
}

#[test]
fn decimal_strings_stay_strings() {
    let t: Thing = serde_json::from_value(thing(json!({"list_price": "0.99"}))).unwrap();
    assert_eq!(*t.list_price.unwrap(), Decimal::from_str("0.99").unwrap());
    let t: Thing = serde_json::from_value(thing(json!({"list_price": "0.99"}))).unwrap();
    assert_eq!(serde_json::to_value(&t).unwrap()["list_price"], json!("0.99"));
}

#[test]
fn null_and_missing_stay_distinguishable() {
    let absent: Thing = serde_json::from_value(thing(json!({}))).unwrap();
    let null: Thing = serde_json::from_value(thing(json!({"parent_id": null}))).unwrap();
    let value: Thing = serde_json::from_value(thing(json!({"parent_id": 9}))).unwrap();
    assert_eq!(absent.parent_id, Tristate::Absent);
    assert_eq!(null.parent_id, Tristate::Null);
    assert_eq!(value.parent_id, Tristate::Value(9));
    // And each is written back the way it came.
    assert!(!serde_json::to_value(&absent).unwrap().as_object().unwrap().contains_key("parent_id"));
    assert_eq!(serde_json::to_value(&null).unwrap()["parent_id"], Value::Null);
    assert_eq!(serde_json::to_value(&value).unwrap()["parent_id"], json!(9));
    // A required nullable field is always written, null included.
    assert_eq!(serde_json::to_value(&absent).unwrap()["nickname"], Value::Null);
}

#[test]
fn defaults_apply_when_absent() {
    let t: Thing = serde_json::from_value(thing(json!({}))).unwrap();
    assert!(t.enabled);
    assert_eq!(t.mode.as_str(), "slow");
}

#[test]
fn unions_decode_by_tag_discriminator_or_shape() {
    let e: Event = serde_json::from_value(json!({"type": "stopped", "reason": "done"})).unwrap();
    assert_eq!(e, Event::Stopped { reason: "done".into() });
    let unknown = json!({"type": "paused", "for": 3});
    let e: Event = serde_json::from_value(unknown.clone()).unwrap();
    assert_eq!(serde_json::to_value(&e).unwrap(), unknown);

    let s: Shape = serde_json::from_value(json!({"kind": "square", "side": 2.0})).unwrap();
    assert!(matches!(&s, Shape::Square(sq) if sq.side == 2.0 && sq.kind == "square"));
    assert_eq!(serde_json::to_value(&s).unwrap(), json!({"kind": "square", "side": 2.0}));
    let s: Shape = serde_json::from_value(json!({"kind": "hexagon"})).unwrap();
    assert!(matches!(s, Shape::Unknown(_)));

    assert_eq!(serde_json::from_value::<IdOrName>(json!(5)).unwrap(), IdOrName::I64(5));
    assert_eq!(serde_json::from_value::<IdOrName>(json!("x")).unwrap(), IdOrName::String("x".into()));
}

#[test]
fn secrets_never_reach_debug_output() {
    let t: Thing = serde_json::from_value(thing(json!({"secret_code": "PLANTED-SECRET-1"}))).unwrap();
    let shown = format!("{t:?}");
    assert!(!shown.contains("PLANTED-SECRET-1"), "{shown}");
    assert!(shown.contains("secret_code: Some(\"<redacted>\")"), "{shown}");
    let order: octopus_client::models::EsimOrder = serde_json::from_value(json!({
        "id": 1, "status": "DELIVERED", "amount": 4.5, "currency": "USD",
        "activation_code": "LPA:1$rsp.example.com$PLANTED-CODE", "iccid": "8910300000PLANTED"
    }))
    .unwrap();
    let shown = format!("{order:?} {order:#?}");
    assert!(!shown.contains("PLANTED"), "{shown}");
}

#[test]
fn a_one_time_credential_is_taken_once_and_never_printed() {
    let mut order: octopus_client::models::EsimOrder = serde_json::from_value(json!({
        "id": 1, "status": "DELIVERED", "amount": 4.5, "currency": "USD", "activation_code": "LPA:1$rsp.example.com$PLANTED-ONCE"
    }))
    .unwrap();
    assert!(!format!("{order:?}").contains("PLANTED-ONCE"));
    let code = order.take_activation_code().expect("delivered with a code");
    assert_eq!(code.reveal(), "LPA:1$rsp.example.com$PLANTED-ONCE");
    assert_eq!(format!("{code:?}"), "OneTimeSecret(<redacted>)");
    assert!(order.take_activation_code().is_none(), "taken once");
}

#[test]
fn a_one_time_credential_is_neither_copied_nor_written_out() {
    // `OneTimeSecret` is not `Clone` or `Serialize` (a compile-time fact, so the test is on the holder): an
    // order serialized before the code is taken does not carry it.
    let order: octopus_client::models::EsimOrder = serde_json::from_value(json!({
        "id": 1, "status": "DELIVERED", "amount": 4.5, "currency": "USD", "activation_code": "LPA:1$PLANTED-WRITTEN"
    }))
    .unwrap();
    let written = serde_json::to_string(&order).unwrap();
    assert!(!written.contains("PLANTED-WRITTEN") && !written.contains("activation_code"), "{written}");
    assert!(order.activation_code.as_ref().is_some_and(|c| c.reveal() == "LPA:1$PLANTED-WRITTEN"));
}

/// The structs' `Deserialize` (`support::impl_deserialize_struct!`, not serde's derive) keeps serde's
/// behaviour: the same messages for a missing or repeated field, a nullable required field read as `None`
/// when absent, extra keys kept in the flattened map, and failure paths that name the field.
#[test]
fn struct_decoding_matches_serdes_derive() {
    let missing = serde_json::from_value::<Thing>(json!({"id": 1, "price": 1})).unwrap_err();
    assert_eq!(missing.to_string(), "missing field `name`");
    let twice = serde_json::from_str::<Thing>(r#"{"id": 1, "name": "a", "name": "b", "price": 1}"#).unwrap_err();
    assert!(twice.to_string().starts_with("duplicate field `name`"), "{twice}");
    let not_an_object = serde_json::from_value::<Thing>(json!([1, 2])).unwrap_err();
    assert_eq!(not_an_object.to_string(), "invalid type: sequence, expected struct Thing");

    // `nickname` is required but nullable: absent reads as `None`, like the derive's `Option` fields.
    let t: Thing = serde_json::from_value(json!({"id": 1, "name": "a", "price": 1})).unwrap();
    assert_eq!(t.nickname, None);
    assert!(t.enabled, "the spec's default applies when absent");

    let c: fixture_client::models::Catalog = serde_json::from_value(json!({"name": "n", "a": 1, "b": 2})).unwrap();
    assert_eq!(c.additional_properties.len(), 2);
    assert_eq!(serde_json::to_value(&c).unwrap(), json!({"name": "n", "a": 1, "b": 2}));
    assert!(serde_json::from_value::<fixture_client::models::Catalog>(json!({"name": "n", "a": "x"})).is_err());

    // Through serde_path_to_error (as the client decodes), the failing field is named.
    let body = br#"{"id": 1, "name": "a", "price": 1, "matrix": [[1, "two"]]}"#;
    let mut de = serde_json::Deserializer::from_slice(body);
    let e = serde_path_to_error::deserialize::<_, Thing>(&mut de).unwrap_err();
    assert_eq!(e.path().to_string(), "matrix[0][1]");
}
