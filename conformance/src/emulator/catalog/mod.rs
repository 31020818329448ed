//! The emulator's catalog, deterministic for a seed: reference data, FX rates and the three verticals. Every
//! product, variant and id that appears in the documents is included (voucher 123 "Steam Wallet Card"; eSIM
//! 712 "Japan eSIM" with variants 5511 and 5512, 904 "Global Roaming"; topups 4218, 4219 and 4231); the rest
//! is generated.

mod esim;
mod topups;
mod vouchers;

pub use esim::{EsimProduct, EsimVariant};
pub use topups::{TopupProduct, TopupVariant};
pub use vouchers::{Denomination, VoucherProduct};

use rust_decimal::Decimal;
use serde_json::{Value, json};

#[derive(Debug)]
pub struct Catalog {
    pub countries: Vec<Value>,
    pub currencies: Vec<Value>,
    pub categories: Vec<Value>,
    pub subcategories: Vec<Value>,
    pub vouchers: Vec<VoucherProduct>,
    /// Indices into `vouchers` sorted by name, by category, and by id (the list's `sort_by`), computed once
    /// so a page of a long catalog does not sort it again.
    pub voucher_orders: [Vec<usize>; 3],
    pub topups: Vec<TopupProduct>,
    pub esim: Vec<EsimProduct>,
}

/// 60 countries: (alpha-2, alpha-3, numeric, name, dialing prefix). The id of a country is its index + 1, so
/// `country_id=1` is the United States, as in the sandbox.
pub const COUNTRIES: &[(&str, &str, &str, &str, &str)] = &[
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

/// The currencies: (id, code, name, precision, units per US dollar).
pub const CURRENCIES: &[(u64, &str, &str, u32, i64, u32)] = &[
    (1, "USD", "US Dollar", 2, 1, 0),
    (2, "EUR", "Euro", 2, 92, 2),
    (3, "INR", "Indian Rupee", 2, 8325, 2),
    (4, "JPY", "Japanese Yen", 0, 15140, 2),
];

/// The currency id of a code.
pub fn currency_id(code: &str) -> Option<u64> {
    CURRENCIES.iter().find(|c| c.1 == code).map(|c| c.0)
}

/// How many units of `to` one unit of `from` buys, to six places (representative, like the sandbox's).
pub fn forex_rate(from: &str, to: &str) -> Option<Decimal> {
    let per_usd = |code: &str| CURRENCIES.iter().find(|c| c.1 == code).map(|c| Decimal::new(c.4, c.5));
    Some((per_usd(to)? / per_usd(from)?).round_dp(6).normalize())
}

/// SplitMix64: small, fast, and the same sequence for the same seed everywhere. The catalog, fault injection
/// and the generator's fuzz tests use it.
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// An index below `n` (0 when `n` is 0).
    pub fn index(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.index(100) < percent
    }
}

pub fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

impl Catalog {
    pub fn generate(seed: u64, extra_vouchers: usize) -> Catalog {
        let countries = COUNTRIES
            .iter()
            .enumerate()
            .map(|(i, (a2, a3, num, name, dial))| {
                json!({"id": i + 1, "name": name, "official_name": name, "alpha_2": a2, "alpha_3": a3, "numeric_code": num, "dialing_prefix": dial})
            })
            .collect();
        let currencies = CURRENCIES
            .iter()
            .map(|(id, code, name, precision, ..)| json!({"id": id, "name": name, "currency": code, "precision": precision}))
            .collect();
        let categories =
            vouchers::CATEGORIES.iter().enumerate().map(|(i, n)| json!({"id": i + 1, "name": n})).collect();
        let subcategories =
            vouchers::SUBCATEGORIES.iter().enumerate().map(|(i, n)| json!({"id": i + 1, "name": n})).collect();
        let vouchers = vouchers::generate(&mut Rng(seed ^ 0x766F_7563), extra_vouchers);
        let order = |key: &dyn Fn(&VoucherProduct, &VoucherProduct) -> std::cmp::Ordering| {
            let mut idx: Vec<usize> = (0..vouchers.len()).collect();
            idx.sort_by(|a, b| key(&vouchers[*a], &vouchers[*b]));
            idx
        };
        let voucher_orders = [
            order(&|a, b| (&a.name, a.id).cmp(&(&b.name, b.id))),
            order(&|a, b| (a.category, &a.name, a.id).cmp(&(b.category, &b.name, b.id))),
            order(&|a, b| a.id.cmp(&b.id)),
        ];
        Catalog {
            countries,
            currencies,
            categories,
            subcategories,
            vouchers,
            voucher_orders,
            topups: topups::generate(&mut Rng(seed ^ 0x746F_7075)),
            esim: esim::generate(&mut Rng(seed)),
        }
    }
}
