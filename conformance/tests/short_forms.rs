//! The shorter bodies of the voucher walkthrough and the sync-vs-async guide decode with the generated client:
//! the spec makes what they omit optional (`x-doc-conflict` on `VoucherOrder` and `VoucherCharges`).

use octopus_client::models::{VoucherCharges, VoucherOrder};

#[test]
fn the_walkthroughs_voucher_create_answer_decodes() {
    let text = r#"{"id": 9302481, "client_reference": "FIRST_VOUCHER_001", "status": "DELIVERED",
        "amount": 50.00, "discount": 1.75, "vouchers": [{"card_number": "X", "pin_code": "1"}]}"#;
    let order: VoucherOrder = serde_json::from_str(text).expect("the short create answer decodes");
    assert_eq!((order.id, order.quantity, order.product_id), (9_302_481, None, None));
    assert_eq!(order.amount, rust_decimal::Decimal::new(5000, 2));
}

#[test]
fn the_walkthroughs_voucher_charges_answer_decodes() {
    let text = r#"{"non_discounted_total": 100.00, "discount_amount": 3.50, "total_payable": 96.50,
        "max_quantity": 5000, "charges_details": {"source_currency": "USD", "destination_currency": "USD",
        "forex_rate": null, "conversion_fee": null}}"#;
    let charges: VoucherCharges = serde_json::from_str(text).expect("the short charges answer decodes");
    assert_eq!(charges.total_payable, rust_decimal::Decimal::new(9650, 2));
    assert!(charges.total_amount.is_none() && charges.discount.is_none());
}
