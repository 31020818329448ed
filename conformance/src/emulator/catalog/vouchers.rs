//! Voucher products: 123 "Steam Wallet Card" from the documents and 1,100 generated brands-by-country.

use super::{COUNTRIES, CURRENCIES, Rng, money};
use rust_decimal::Decimal;
use serde_json::{Value, json};

pub const CATEGORIES: &[&str] = &["Gaming", "Shopping", "Entertainment", "Food", "Travel"];
pub const SUBCATEGORIES: &[&str] = &["PC Gaming", "Console", "Mobile Gaming", "Marketplace", "Streaming", "Rides"];

/// (brand, category, sub-category).
const BRANDS: &[(&str, &str, &str)] = &[
    ("Steam", "Gaming", "PC Gaming"),
    ("PlayStation", "Gaming", "Console"),
    ("Xbox", "Gaming", "Console"),
    ("Nintendo eShop", "Gaming", "Console"),
    ("Roblox", "Gaming", "Mobile Gaming"),
    ("Amazon", "Shopping", "Marketplace"),
    ("IKEA", "Shopping", "Marketplace"),
    ("Zalando", "Shopping", "Marketplace"),
    ("Netflix", "Entertainment", "Streaming"),
    ("Spotify", "Entertainment", "Streaming"),
    ("Disney+", "Entertainment", "Streaming"),
    ("Uber Eats", "Food", "Rides"),
    ("Starbucks", "Food", "Marketplace"),
    ("Airbnb", "Travel", "Marketplace"),
    ("Uber", "Travel", "Rides"),
    ("Booking.com", "Travel", "Marketplace"),
    ("Apple", "Entertainment", "Streaming"),
    ("Google Play", "Gaming", "Mobile Gaming"),
    ("Razer Gold", "Gaming", "PC Gaming"),
    ("Decathlon", "Shopping", "Marketplace"),
];

/// A denomination: fixed when `min == max`, a range otherwise; `discount` is a percentage.
#[derive(Debug, Clone)]
pub struct Denomination {
    pub min: Decimal,
    pub max: Decimal,
    pub discount: Decimal,
}

#[derive(Debug, Clone)]
pub struct VoucherProduct {
    pub id: u64,
    pub name: String,
    pub category: &'static str,
    pub sub_category: Option<&'static str>,
    pub country_id: u64,
    pub country_code: &'static str,
    pub currency: &'static str,
    pub image_url: Option<String>,
    pub delivery_mode: &'static str,
    pub delivery_time: &'static str,
    pub validity: Option<&'static str>,
    pub denominations: Vec<Denomination>,
    /// Units in stock; `None` is unlimited.
    pub stock: Option<u32>,
    /// The product as lists show it, built once: a long catalog is listed page after page.
    pub listed: Value,
}

fn fixed(cents: i64, discount_tenths: i64) -> Denomination {
    Denomination { min: money(cents), max: money(cents), discount: Decimal::new(discount_tenths, 1) }
}

pub(super) fn generate(rng: &mut Rng, extra: usize) -> Vec<VoucherProduct> {
    let mut out = vec![VoucherProduct {
        id: 123,
        name: "Steam Wallet Card".into(),
        category: "Gaming",
        sub_category: Some("PC Gaming"),
        country_id: 1,
        country_code: "USA",
        currency: "USD",
        image_url: Some("https://cdn.example.com/steam.png".into()),
        delivery_mode: "Code with PIN",
        delivery_time: "Instant",
        validity: Some("12 months"),
        denominations: vec![fixed(1000, 30), fixed(5000, 35), fixed(10000, 35)],
        stock: None,
        listed: Value::Null,
    }];
    let mut id = 2_000;
    for (ci, (_, a3, ..)) in COUNTRIES.iter().enumerate().take(55) {
        for (brand, category, sub) in BRANDS {
            id += 1;
            let currency = match *a3 {
                "IND" => "INR",
                "DEU" | "FRA" | "ITA" | "ESP" | "NLD" | "BEL" | "AUT" | "FIN" | "IRL" | "PRT" | "GRC" => "EUR",
                _ => "USD",
            };
            let scale = if currency == "INR" { 100 } else { 1 };
            let mut denominations = Vec::new();
            for v in [10, 25, 50, 100] {
                if rng.below(4) != 0 {
                    denominations.push(fixed(v * 100 * scale, 10 + rng.below(40) as i64));
                }
            }
            if denominations.is_empty() || rng.below(5) == 0 {
                denominations.push(Denomination {
                    min: money(500 * scale),
                    max: money(20_000 * scale),
                    discount: Decimal::new(rng.below(30) as i64, 1),
                });
            }
            let url = rng.below(6) == 0;
            out.push(VoucherProduct {
                id,
                name: format!("{brand} {a3} Gift Card"),
                category,
                sub_category: (rng.below(8) != 0).then_some(*sub),
                country_id: ci as u64 + 1,
                country_code: a3,
                currency,
                image_url: (rng.below(10) != 0).then(|| format!("https://cdn.example.com/vouchers/{id}.png")),
                delivery_mode: if url { "URL" } else { "Code with PIN" },
                delivery_time: if rng.below(7) == 0 { "Delayed" } else { "Instant" },
                validity: (rng.below(9) != 0).then_some("12 months"),
                denominations,
                stock: (rng.below(20) == 0).then_some(10),
                listed: Value::Null,
            });
        }
    }
    debug_assert!(CURRENCIES.iter().any(|c| c.1 == "INR"));
    // Extra products for long walks: copies of the generated ones under new ids.
    let base = out.len();
    for i in 0..extra {
        let mut p = out[1 + i % (base - 1)].clone();
        p.id = 100_000 + i as u64;
        p.name = format!("{} #{}", p.name, i);
        out.push(p);
    }
    for p in &mut out {
        p.listed = p.json();
    }
    out
}

impl VoucherProduct {
    pub fn json(&self) -> Value {
        json!({
            "id": self.id, "name": self.name, "category": self.category, "sub_category": self.sub_category,
            "country_code": self.country_code, "currency_code": self.currency, "image_url": self.image_url,
            "delivery_mode": self.delivery_mode, "delivery_time": self.delivery_time, "validity": self.validity,
            "available_denominations": self.denominations.iter()
                .map(|d| json!({"min_value": d.min, "max_value": d.max, "discount": d.discount}))
                .collect::<Vec<_>>(),
        })
    }

    pub fn detail_json(&self) -> Value {
        let mut v = self.json();
        v["terms"] = json!("Non-refundable. Emulated product; codes are not redeemable.");
        v["details"] = json!(format!("{} for the emulated sandbox.", self.name));
        v["how_to_use"] = json!("Open the store, choose Redeem, enter the code and the PIN.");
        v
    }

    /// The denomination a face value falls in, if any.
    pub fn denomination(&self, value: Decimal) -> Option<&Denomination> {
        self.denominations.iter().find(|d| d.min <= value && value <= d.max)
    }
}
