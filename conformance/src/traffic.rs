//! What a run cost the host: requests sent, orders placed, the money those orders moved per currency, 429s
//! met and the time spent waiting for the pace. Every report ends with it, so whoever points the suite at a
//! shared sandbox sees the bill.

use crate::spec::Spec;
use crate::tap::Exchange;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Traffic {
    /// Requests the client sent (through the tap), retries and logins included.
    pub requests: usize,
    /// Creates the host answered with a 2xx: orders it placed and charged for.
    pub orders_placed: usize,
    /// Per currency, the `amount` (less any `discount`) of each placed order, exact, as decimal text.
    pub spent: BTreeMap<String, String>,
    /// Responses with status 429, the deliberate quota probe's included.
    pub too_many_requests: usize,
    /// Seconds requests waited for the suite's own pace.
    pub paced_seconds: f64,
}

impl Traffic {
    /// The figures of a run: `sent` is the tap's count of requests, `exchanges` its log.
    pub fn of(spec: &Spec, sent: usize, exchanges: &[Exchange], paced_seconds: f64) -> Traffic {
        let mut spent: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut orders_placed = 0;
        for e in exchanges {
            let creates = spec.operation_of_request(&e.method, &e.path).is_some_and(|o| o.places_order);
            if !creates || !(200..300).contains(&e.status) {
                continue;
            }
            orders_placed += 1;
            if let Some((currency, amount)) = e.json().and_then(|v| charged(&v)) {
                *spent.entry(currency).or_default() += amount;
            }
        }
        Traffic {
            requests: sent,
            orders_placed,
            spent: spent.into_iter().map(|(c, a)| (c, a.normalize().to_string())).collect(),
            too_many_requests: exchanges.iter().filter(|e| e.status == 429).count(),
            paced_seconds,
        }
    }

    /// One line for the end of a run.
    pub fn summary(&self) -> String {
        let spent = if self.spent.is_empty() {
            "nothing".to_string()
        } else {
            self.spent.iter().map(|(c, a)| format!("{a} {c}")).collect::<Vec<_>>().join(", ")
        };
        format!(
            "{} requests sent, {} orders placed, {spent} spent, {} × HTTP 429 met, {:.1} s waited for the pace",
            self.requests, self.orders_placed, self.too_many_requests, self.paced_seconds
        )
    }
}

/// The currency and amount an order answer says it charged: `amount` less `discount`, in `currency`, or for
/// vouchers in `deduction_currency` or `base_currency`.
fn charged(body: &Value) -> Option<(String, Decimal)> {
    let order = body.get("data").unwrap_or(body);
    let decimal =
        |field: &str| order.get(field).filter(|v| v.is_number()).and_then(|v| Decimal::from_str(&v.to_string()).ok());
    let currency = ["currency", "deduction_currency", "base_currency"]
        .iter()
        .find_map(|f| order.get(*f).and_then(Value::as_str))?;
    Some((currency.to_string(), decimal("amount")? - decimal("discount").unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(method: &str, path: &str, status: u16, body: &str) -> Exchange {
        Exchange {
            method: method.into(),
            path: path.into(),
            request_headers: Vec::new(),
            request_body: None,
            status,
            response_headers: Vec::new(),
            response_body: body.into(),
            repeat: 1,
        }
    }

    #[test]
    fn only_answered_creates_count_and_money_stays_exact() {
        let log = [
            exchange("GET", "/api/v1/currencies", 200, "{}"),
            exchange("POST", "/api/v1/esim/orders", 200, r#"{"data":{"amount":4.275,"currency":"USD"}}"#),
            exchange("POST", "/api/v1/topups/orders", 201, r#"{"data":{"amount":0.1,"currency":"USD"}}"#),
            exchange("POST", "/api/v1/topups/orders", 201, r#"{"data":{"amount":0.2,"currency":"USD"}}"#),
            exchange(
                "POST",
                "/api/v1/orders",
                200,
                r#"{"data":{"amount":250.0,"discount":8.75,"base_currency":"EUR","deduction_currency":null}}"#,
            ),
            exchange("POST", "/api/v1/esim/orders", 400, r#"{"error":{}}"#),
            exchange("POST", "/api/v1/esim/orders", 0, ""),
            exchange("GET", "/api/v1/currencies", 429, "{}"),
        ];
        let t = Traffic::of(Spec::embedded(), 9, &log, 0.0);
        assert_eq!((t.requests, t.orders_placed, t.too_many_requests), (9, 4, 1));
        let spent: Vec<(&str, &str)> = t.spent.iter().map(|(c, a)| (c.as_str(), a.as_str())).collect();
        // 4.275 + 0.1 + 0.2 is exactly 4.575, which floats would not give.
        assert_eq!(spent, [("EUR", "241.25"), ("USD", "4.575")]);
        assert!(t.summary().starts_with("9 requests sent, 4 orders placed, 241.25 EUR, 4.575 USD spent, 1 × HTTP 429"));
    }
}
