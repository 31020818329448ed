//! eSIM products: 712 "Japan eSIM" (variants 5511 and 5512) and 904 "Global Roaming" from the documents,
//! and 160 generated ones over 60 countries.

use super::{COUNTRIES, Rng, money};
use rust_decimal::Decimal;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct EsimVariant {
    pub id: u64,
    pub product_id: u64,
    pub name: String,
    pub description: Option<String>,
    pub currency: &'static str,
    pub amount: Decimal,
    pub data_gb: Decimal,
    pub validity_days: u32,
    pub client_discount: Decimal,
}

#[derive(Debug, Clone)]
pub struct EsimProduct {
    pub id: u64,
    pub name: String,
    pub country_code: String,
    pub currency: &'static str,
    pub image_url: String,
    pub variants: Vec<EsimVariant>,
}

pub(super) fn generate(rng: &mut Rng) -> Vec<EsimProduct> {
    let variant = |id, product_id, name: &str, description: Option<&str>, cents, gb, days| EsimVariant {
        id,
        product_id,
        name: name.into(),
        description: description.map(str::to_string),
        currency: "USD",
        amount: money(cents),
        data_gb: Decimal::from(gb),
        validity_days: days,
        client_discount: Decimal::new(50, 1),
    };
    let mut esim = vec![
        EsimProduct {
            id: 712,
            name: "Japan eSIM".into(),
            country_code: "JPN".into(),
            currency: "USD",
            image_url: "https://cdn.example.com/esim/japan.png".into(),
            variants: vec![
                variant(5511, 712, "Japan 1 GB / 7 days", Some("Data-only eSIM for short trips"), 450, 1, 7),
                variant(5512, 712, "Japan 5 GB / 30 days", None, 1490, 5, 30),
            ],
        },
        EsimProduct {
            id: 904,
            name: "Global Roaming".into(),
            country_code: "GLO".into(),
            currency: "USD",
            image_url: "https://cdn.example.com/esim/global.png".into(),
            variants: vec![
                variant(9001, 904, "Global 1 GB / 7 days", None, 450, 1, 7),
                variant(9002, 904, "Global 5 GB / 30 days", None, 1490, 5, 30),
                variant(9003, 904, "Global 20 GB / 30 days", None, 3990, 20, 30),
            ],
        },
    ];
    let mut next_variant = 20_000;
    for i in 0..160u64 {
        let (_, a3, _, name, _) = COUNTRIES[(i as usize) % COUNTRIES.len()];
        let id = 1_000 + i;
        let plan = rng.pick(&["Explorer", "Traveller", "Unlimited", "Weekender"]);
        let mut variants = Vec::new();
        for _ in 0..(2 + rng.below(3)) {
            next_variant += 1;
            let gb = *rng.pick(&[1, 3, 5, 10, 20]);
            let days = *rng.pick(&[7, 15, 30]);
            let cents = 300 + (gb as i64) * 180 + rng.below(90) as i64 * 10 + 90;
            variants.push(variant(next_variant, id, &format!("{name} {gb} GB / {days} days"), None, cents, gb, days));
        }
        esim.push(EsimProduct {
            id,
            name: format!("{name} {plan} eSIM"),
            country_code: a3.into(),
            currency: "USD",
            image_url: String::new(),
            variants,
        });
    }
    esim
}

impl EsimProduct {
    pub fn json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "country_code": self.country_code, "currency_code": self.currency, "image_url": self.image_url})
    }
}

impl EsimVariant {
    pub fn json(&self) -> Value {
        let mut v = json!({
            "id": self.id, "esim_product_id": self.product_id, "name": self.name, "currency_code": self.currency,
            "amount": self.amount, "data_amount_gb": self.data_gb, "validity_days": self.validity_days,
            "client_discount": self.client_discount,
        });
        if let Some(d) = &self.description {
            v["description"] = json!(d);
        }
        v
    }
}
