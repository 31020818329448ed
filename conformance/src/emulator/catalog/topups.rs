//! Topup products: 4218 "PUBG Mobile UC", 4219 "Free Fire Diamonds" and 4231 "Airtel India" from the
//! documents, a mobile operator or two per country, and generated games and utilities: 330 in all.

use super::{COUNTRIES, Rng, money};
use rust_decimal::Decimal;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct TopupVariant {
    pub id: u64,
    pub name: String,
    /// `Airtime`, `Data`, `Bundle`, `In-Game Currency` or empty.
    pub category: &'static str,
    pub currency: &'static str,
    /// Fixed amounts, or an open range.
    pub amounts: Amounts,
}

#[derive(Debug, Clone)]
pub enum Amounts {
    Fixed(Vec<Decimal>),
    Range(Decimal, Decimal),
}

#[derive(Debug, Clone)]
pub struct TopupProduct {
    pub id: u64,
    pub name: String,
    /// `GAMING`, `MOBILE` or `UTILITY`.
    pub kind: &'static str,
    pub country_code: &'static str,
    /// Dialing prefix for mobile operators.
    pub dialing_prefix: Option<&'static str>,
    pub currency: &'static str,
    pub image_url: String,
    pub input_fields: Vec<&'static str>,
    pub variants: Vec<TopupVariant>,
}

const GAMES: &[&str] = &["Mobile Legends", "Genshin Impact", "Valorant", "Call of Duty Mobile", "Clash of Clans"];
const OPERATORS: &[&str] = &["Telco", "Mobile", "Connect", "Wireless"];

pub(super) fn generate(rng: &mut Rng) -> Vec<TopupProduct> {
    let mut next_variant = 70_000;
    let mut variant = |name: String, category, currency, amounts| {
        next_variant += 1;
        TopupVariant { id: next_variant, name, category, currency, amounts }
    };
    let mut out = vec![
        TopupProduct {
            id: 4218,
            name: "PUBG Mobile UC".into(),
            kind: "GAMING",
            country_code: "GLO",
            dialing_prefix: None,
            currency: "USD",
            image_url: "https://cdn.example.com/topups/pubg.png".into(),
            input_fields: vec!["player_id"],
            variants: vec![
                variant("60 UC".into(), "In-Game Currency", "USD", Amounts::Fixed(vec![money(99)])),
                variant("325 UC".into(), "In-Game Currency", "USD", Amounts::Fixed(vec![money(499)])),
            ],
        },
        TopupProduct {
            id: 4219,
            name: "Free Fire Diamonds".into(),
            kind: "GAMING",
            country_code: "GLO",
            dialing_prefix: None,
            currency: "USD",
            image_url: String::new(),
            input_fields: vec!["player_id", "server"],
            variants: vec![variant(
                "100 Diamonds".into(),
                "In-Game Currency",
                "USD",
                Amounts::Fixed(vec![money(99), money(199)]),
            )],
        },
        TopupProduct {
            id: 4231,
            name: "Airtel India".into(),
            kind: "MOBILE",
            country_code: "IND",
            dialing_prefix: Some("+91"),
            currency: "INR",
            image_url: "https://cdn.example.com/topups/airtel.png".into(),
            input_fields: vec!["phone_number"],
            variants: vec![
                variant("Airtime".into(), "Airtime", "INR", Amounts::Range(money(1_000), money(1_000_000))),
                variant("1 GB / 28 days".into(), "Data", "INR", Amounts::Fixed(vec![money(17_900)])),
                variant("2 GB / 28 days".into(), "Data", "INR", Amounts::Fixed(vec![money(23_900)])),
            ],
        },
    ];
    let mut id = 5_000;
    for (_, a3, _, country, dial) in COUNTRIES {
        let currency = if *a3 == "IND" { "INR" } else { "USD" };
        for _ in 0..(3 + rng.below(2)) {
            id += 1;
            let name = format!("{country} {}", rng.pick(OPERATORS));
            let scale = if currency == "INR" { 100 } else { 1 };
            let variants = vec![
                variant(
                    "Airtime".into(),
                    "Airtime",
                    currency,
                    Amounts::Range(money(100 * scale), money(10_000 * scale)),
                ),
                variant("Data 5 GB".into(), "Data", currency, Amounts::Fixed(vec![money(1_000 * scale)])),
            ];
            out.push(TopupProduct {
                id,
                name,
                kind: "MOBILE",
                country_code: a3,
                dialing_prefix: Some(dial),
                currency,
                image_url: String::new(),
                input_fields: vec!["phone_number"],
                variants,
            });
        }
    }
    while out.len() < 330 {
        id += 1;
        let game = rng.pick(GAMES);
        let utility = rng.below(5) == 0;
        let (_, a3, ..) = rng.pick(COUNTRIES);
        let cents = 99 + 100 * rng.below(20) as i64;
        out.push(TopupProduct {
            id,
            name: if utility { format!("{a3} Electricity #{id}") } else { format!("{game} #{id}") },
            kind: if utility { "UTILITY" } else { "GAMING" },
            country_code: if utility { a3 } else { "GLO" },
            dialing_prefix: None,
            currency: "USD",
            image_url: format!("https://cdn.example.com/topups/{id}.png"),
            input_fields: if utility { vec!["account_number"] } else { vec!["player_id"] },
            variants: vec![variant(
                if utility { "Bill payment".into() } else { "Pack".into() },
                if utility { "" } else { "In-Game Currency" },
                "USD",
                if utility { Amounts::Range(money(500), money(50_000)) } else { Amounts::Fixed(vec![money(cents)]) },
            )],
        });
    }
    out
}

impl TopupProduct {
    pub fn json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "topup_type": self.kind, "country_code": self.country_code,
            "currency_code": self.currency, "image_url": self.image_url})
    }

    pub fn detail_json(&self) -> Value {
        let mut v = self.json();
        v["input_fields"] = json!(self.input_fields);
        v
    }

    /// The variant `amount` (and `category`, when given) selects.
    pub fn variant_for(&self, amount: Decimal, category: Option<&str>) -> Option<&TopupVariant> {
        self.variants.iter().filter(|v| category.is_none_or(|c| v.category == c)).find(|v| match &v.amounts {
            Amounts::Fixed(list) => list.contains(&amount),
            Amounts::Range(min, max) => *min <= amount && amount <= *max,
        })
    }
}

impl TopupVariant {
    pub fn json(&self) -> Value {
        let mut v = json!({"id": self.id, "name": self.name, "category": self.category, "currency_code": self.currency,
            "available_in": [{"code": "GLO", "name": "Global"}], "fields": {"delivery_time": "Instant"}});
        match &self.amounts {
            Amounts::Fixed(list) => {
                v["is_fixed_amount"] = json!(true);
                v["fixed_amounts"] = json!(list.iter().map(|a| a.normalize().to_string()).collect::<Vec<_>>());
            }
            Amounts::Range(min, max) => {
                v["is_fixed_amount"] = json!(false);
                v["min_amount"] = json!(min);
                v["max_amount"] = json!(max);
            }
        }
        v
    }
}
