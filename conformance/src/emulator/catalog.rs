//! The reference data and the eSIM catalog, deterministic for a seed. Every product, variant and id that
//! appears in the documents is included (eSIM 712 "Japan eSIM" with variants 5511 and 5512, 904 "Global
//! Roaming"); the rest is generated.

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

#[derive(Debug)]
pub struct Catalog {
    pub countries: Vec<Value>,
    pub currencies: Vec<Value>,
    pub categories: Vec<Value>,
    pub subcategories: Vec<Value>,
    pub esim: Vec<EsimProduct>,
}

/// 60 countries: (alpha-2, alpha-3, numeric, name, dialing prefix).
const COUNTRIES: &[(&str, &str, &str, &str, &str)] = &[
    ("US", "USA", "840", "United States", "+1"),
    ("JP", "JPN", "392", "Japan", "+81"),
    ("IN", "IND", "356", "India", "+91"),
    ("GB", "GBR", "826", "United Kingdom", "+44"),
    ("DE", "DEU", "276", "Germany", "+49"),
    ("FR", "FRA", "250", "France", "+33"),
    ("IT", "ITA", "380", "Italy", "+39"),
    ("ES", "ESP", "724", "Spain", "+34"),
    ("BR", "BRA", "076", "Brazil", "+55"),
    ("MX", "MEX", "484", "Mexico", "+52"),
    ("CA", "CAN", "124", "Canada", "+1"),
    ("AU", "AUS", "036", "Australia", "+61"),
    ("CN", "CHN", "156", "China", "+86"),
    ("KR", "KOR", "410", "South Korea", "+82"),
    ("SG", "SGP", "702", "Singapore", "+65"),
    ("TH", "THA", "764", "Thailand", "+66"),
    ("VN", "VNM", "704", "Viet Nam", "+84"),
    ("ID", "IDN", "360", "Indonesia", "+62"),
    ("MY", "MYS", "458", "Malaysia", "+60"),
    ("PH", "PHL", "608", "Philippines", "+63"),
    ("AE", "ARE", "784", "United Arab Emirates", "+971"),
    ("SA", "SAU", "682", "Saudi Arabia", "+966"),
    ("TR", "TUR", "792", "Turkey", "+90"),
    ("EG", "EGY", "818", "Egypt", "+20"),
    ("ZA", "ZAF", "710", "South Africa", "+27"),
    ("NG", "NGA", "566", "Nigeria", "+234"),
    ("KE", "KEN", "404", "Kenya", "+254"),
    ("AR", "ARG", "032", "Argentina", "+54"),
    ("CL", "CHL", "152", "Chile", "+56"),
    ("CO", "COL", "170", "Colombia", "+57"),
    ("PE", "PER", "604", "Peru", "+51"),
    ("PT", "PRT", "620", "Portugal", "+351"),
    ("NL", "NLD", "528", "Netherlands", "+31"),
    ("BE", "BEL", "056", "Belgium", "+32"),
    ("CH", "CHE", "756", "Switzerland", "+41"),
    ("AT", "AUT", "040", "Austria", "+43"),
    ("SE", "SWE", "752", "Sweden", "+46"),
    ("NO", "NOR", "578", "Norway", "+47"),
    ("DK", "DNK", "208", "Denmark", "+45"),
    ("FI", "FIN", "246", "Finland", "+358"),
    ("PL", "POL", "616", "Poland", "+48"),
    ("CZ", "CZE", "203", "Czechia", "+420"),
    ("GR", "GRC", "300", "Greece", "+30"),
    ("IE", "IRL", "372", "Ireland", "+353"),
    ("NZ", "NZL", "554", "New Zealand", "+64"),
    ("IL", "ISR", "376", "Israel", "+972"),
    ("PK", "PAK", "586", "Pakistan", "+92"),
    ("BD", "BGD", "050", "Bangladesh", "+880"),
    ("LK", "LKA", "144", "Sri Lanka", "+94"),
    ("NP", "NPL", "524", "Nepal", "+977"),
    ("HK", "HKG", "344", "Hong Kong", "+852"),
    ("TW", "TWN", "158", "Taiwan", "+886"),
    ("MA", "MAR", "504", "Morocco", "+212"),
    ("UA", "UKR", "804", "Ukraine", "+380"),
    ("RO", "ROU", "642", "Romania", "+40"),
    ("HU", "HUN", "348", "Hungary", "+36"),
    ("QA", "QAT", "634", "Qatar", "+974"),
    ("KW", "KWT", "414", "Kuwait", "+965"),
    ("OM", "OMN", "512", "Oman", "+968"),
    ("IS", "ISL", "352", "Iceland", "+354"),
];

/// SplitMix64: small, fast, and the same sequence for the same seed everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

impl Catalog {
    pub fn generate(seed: u64) -> Catalog {
        let mut rng = Rng(seed);
        let countries = COUNTRIES
            .iter()
            .enumerate()
            .map(|(i, (a2, a3, num, name, dial))| {
                json!({"id": i + 1, "name": name, "official_name": name, "alpha_2": a2, "alpha_3": a3, "numeric_code": num, "dialing_prefix": dial})
            })
            .collect();
        let currencies = vec![
            json!({"id": 1, "name": "US Dollar", "currency": "USD", "precision": 2}),
            json!({"id": 2, "name": "Euro", "currency": "EUR", "precision": 2}),
            json!({"id": 3, "name": "Indian Rupee", "currency": "INR", "precision": 2}),
            json!({"id": 4, "name": "Japanese Yen", "currency": "JPY", "precision": 0}),
        ];
        let categories = ["Gaming", "Shopping", "Entertainment", "Food", "Travel"]
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"id": i + 1, "name": n}))
            .collect();
        let subcategories = ["Steam", "PlayStation", "Xbox", "Amazon", "Netflix", "Uber"]
            .iter()
            .enumerate()
            .map(|(i, n)| json!({"id": i + 1, "name": n}))
            .collect();

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
            let plan = ["Explorer", "Traveller", "Unlimited", "Weekender"][rng.below(4) as usize];
            let mut variants = Vec::new();
            for _ in 0..(2 + rng.below(3)) {
                next_variant += 1;
                let gb = [1, 3, 5, 10, 20][rng.below(5) as usize];
                let days = [7, 15, 30][rng.below(3) as usize];
                let cents = 300 + (gb as i64) * 180 + rng.below(90) as i64 * 10 + 90;
                variants.push(variant(
                    next_variant,
                    id,
                    &format!("{name} {gb} GB / {days} days"),
                    None,
                    cents,
                    gb,
                    days,
                ));
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
        Catalog { countries, currencies, categories, subcategories, esim }
    }
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
