//! The documented charges math, FX included: in the source currency `non_discounted_total -
//! discount_amount = total_amount`; in the wallet's, `net_amount = total_amount * forex_rate` and
//! `total_payable = net_amount + handling_fee_amount` (the fee is 0). Every amount is an exact decimal.

use super::Break;
use super::catalog::forex_rate;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
pub struct Price {
    pub non_discounted: Decimal,
    pub discount_pct: Decimal,
    pub discount_amount: Decimal,
    pub total_amount: Decimal,
    pub forex_rate: Option<Decimal>,
    pub net: Decimal,
    pub payable: Decimal,
    pub source: &'static str,
    pub destination: &'static str,
}

/// Prices `non_discounted` (in `source`) at `discount_pct` percent off, paid from a `destination` wallet.
pub fn price(non_discounted: Decimal, discount_pct: Decimal, source: &'static str, destination: &'static str) -> Price {
    let discount_amount = (non_discounted * discount_pct / Decimal::ONE_HUNDRED).normalize();
    let total_amount = (non_discounted - discount_amount).normalize();
    let rate = (source != destination).then(|| forex_rate(source, destination)).flatten();
    let net = rate.map_or(total_amount, |r| (total_amount * r).normalize());
    Price {
        non_discounted: non_discounted.normalize(),
        discount_pct: discount_pct.normalize(),
        discount_amount,
        total_amount,
        forex_rate: rate,
        net,
        payable: net,
        source,
        destination,
    }
}

impl Price {
    /// The price as this emulator quotes and charges it: exact, unless a rule break rounds half-up to cents,
    /// as a till would (the discount, and what follows from it; or what leaves the wallet).
    fn shown(&self, breaks: &BTreeSet<Break>) -> Price {
        let cents = |d: Decimal| d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        let mut p = self.clone();
        if breaks.contains(&Break::ChargesDiscountRounded) {
            p.discount_amount = cents(p.discount_amount);
            p.total_amount = p.non_discounted - p.discount_amount;
            p.net = p.forex_rate.map_or(p.total_amount, |r| (p.total_amount * r).normalize());
            p.payable = p.net;
        }
        if breaks.contains(&Break::ChargesRounded) {
            (p.net, p.payable) = (cents(p.net), cents(p.payable));
        }
        p
    }

    /// What an order at this price debits: the quoted `total_payable` (a rule break drifts it from the quote).
    pub fn debit(&self, breaks: &BTreeSet<Break>) -> Decimal {
        let quoted = self.shown(breaks).payable;
        if breaks.contains(&Break::OrderAmountDrift) { quoted.round_dp(1) } else { quoted }
    }

    pub fn json(&self, breaks: &BTreeSet<Break>) -> Value {
        let skew = if breaks.contains(&Break::ChargesMathWrong) { Decimal::new(1, 2) } else { Decimal::ZERO };
        let p = self.shown(breaks);
        json!({
            "non_discounted_total": p.non_discounted, "discount_amount": p.discount_amount + skew,
            "total_amount": p.total_amount, "discount": p.discount_pct, "gst_amount": Decimal::ZERO,
            "total_payable": p.payable, "net_amount": p.net, "handling_fee_amount": Decimal::ZERO,
            "charges_details": {
                "source_currency": p.source, "destination_currency": p.destination,
                "forex_rate": p.forex_rate, "conversion_fee": p.forex_rate.map(|_| Decimal::ZERO),
            }
        })
    }
}

/// A JSON number as an exact decimal (a positive one, for amounts).
pub fn positive_decimal(v: &Value) -> Option<Decimal> {
    let d: Decimal = match v {
        Value::Number(n) => {
            let text = n.to_string();
            text.parse().or_else(|_| Decimal::from_scientific(&text)).ok()?
        }
        _ => return None,
    };
    (d > Decimal::ZERO).then_some(d.normalize())
}
