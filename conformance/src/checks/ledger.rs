//! Money tied to its order. A documented transaction names no order (`remarks` is free text, and a refund's
//! wording is not documented), so a check reads the ledger window its own orders made: from the newest entry
//! before its first order to the present, once every order is terminal. Only its orders may touch that window;
//! then the k-th debit is the k-th order's, and a failed order's refund is a credit of its amount after its own
//! debit, one per failed order. A refund of an earlier failure cannot stand in for a later one, and a refund
//! that belongs to no failed order is a failure too.

use super::{Ctx, Failure, expect_ok, fail};
use octopus_client::models::Transaction;
use octopus_client::operations::ListTransactionsParams;
use rust_decimal::Decimal;

/// Entries read per page of the window, and the most pages read.
const PAGE: i32 = 50;
const PAGES: i32 = 20;

/// One order a check placed in its window, in placing order.
pub struct Placed {
    pub id: i64,
    /// What the order debited (and what a failure refunds).
    pub amount: Decimal,
    pub failed: bool,
    /// The branch, for the failure message ("FAILED at once").
    pub branch: &'static str,
}

/// Where a check's window starts: after the newest ledger entry seen before its first order.
pub struct Window {
    after: Option<i64>,
}

impl Window {
    /// Opens the window: call it before the check's first order.
    pub async fn open(ctx: &Ctx, rule: &'static str) -> Result<Window, Failure> {
        let params = ListTransactionsParams::new().limit(1);
        let newest = expect_ok(rule, "list_transactions", ctx.client.list_transactions(&params).await)?;
        Ok(Window { after: newest.body.first().map(|t| t.id) })
    }

    /// The entries after the window's start, oldest first, and the request id of the last page read.
    async fn entries(&self, ctx: &Ctx, rule: &'static str) -> Result<(Vec<Transaction>, Option<String>), Failure> {
        let mut newest_first = Vec::new();
        // A bounded walk: a host that ignores `page` must not keep the check reading forever.
        for page in 1..=PAGES {
            let params = ListTransactionsParams::new().limit(PAGE).page(page);
            let r = expect_ok(rule, "list_transactions", ctx.client.list_transactions(&params).await)?;
            let last = r.body.len() < PAGE as usize;
            for t in r.body {
                if Some(t.id) == self.after {
                    newest_first.reverse();
                    return Ok((newest_first, r.request_id));
                }
                newest_first.push(t);
            }
            if last {
                if let Some(id) = self.after {
                    let why = format!("transaction {id}, where this check's window starts, is gone from the ledger");
                    return Err(fail(rule, "list_transactions", r.request_id.as_deref(), why));
                }
                newest_first.reverse();
                return Ok((newest_first, r.request_id));
            }
        }
        let why = format!("the ledger since this check's first order is longer than {} entries", PAGE * PAGES);
        Err(fail(rule, "list_transactions", None, why))
    }

    /// Every order of the window debited once, of its amount; each failed one refunded once, of its amount,
    /// after its own debit; nothing else in the window.
    pub async fn settles(&self, ctx: &Ctx, rule: &'static str, placed: &[Placed]) -> Result<(), Failure> {
        let (entries, request_id) = self.entries(ctx, rule).await?;
        let wrong = |message: String| Err(fail(rule, "list_transactions", request_id.as_deref(), message));
        // A FAILED entry moved no money: it is neither a debit nor a refund.
        let at = |kind: &str| -> Vec<usize> {
            let moved = |t: &Transaction| t.transaction_type.as_str() == kind && t.status.as_str() != "FAILED";
            entries.iter().enumerate().filter(|(_, t)| moved(t)).map(|(i, _)| i).collect()
        };
        let (debits, mut refunds) = (at("DEBIT"), at("CREDIT"));
        if debits.len() != placed.len() {
            return wrong(format!(
                "the ledger since this check's first order holds {} debits for its {} orders: another order \
                 touched the window, so refunds cannot be tied to orders",
                debits.len(),
                placed.len()
            ));
        }
        for (order, &debit) in placed.iter().zip(&debits) {
            if entries[debit].amount != order.amount {
                let got = entries[debit].amount;
                return wrong(format!(
                    "order {} ({}) cost {} but its debit is {got}",
                    order.id, order.branch, order.amount
                ));
            }
        }
        // The latest failure first: every refund that can be its own can be an earlier failure's too.
        for (order, &debit) in placed.iter().zip(&debits).rev().filter(|(o, _)| o.failed) {
            let own = refunds.iter().position(|&r| r > debit && entries[r].amount == order.amount);
            match own {
                Some(i) => {
                    refunds.remove(i);
                }
                None => {
                    return wrong(format!(
                        "order {} ({}) has no refund of {} after its debit",
                        order.id, order.branch, order.amount
                    ));
                }
            }
        }
        if let Some(&stray) = refunds.first() {
            let t = &entries[stray];
            return wrong(format!("the refund of {} (transaction {}) belongs to no failed order", t.amount, t.id));
        }
        Ok(())
    }
}
