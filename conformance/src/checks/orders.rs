//! Orders: body-status branching in the three verticals (every outcome the host lets us force), the
//! eSIM activation code's one-time delivery, and money (exact echo of a variant's amount, the charges math).

use super::ledger::{Placed, Window};
use super::{Check, Control, Ctx, Failure, NO_CONTROL, Spends, Verdict, expect_ok, fail};
use crate::emulator::{Outcome, Vertical};
use octopus_client::models::*;
use octopus_client::operations::*;
use octopus_client::{ApiResponse, Waited};
use rust_decimal::Decimal;
use std::time::Duration;

pub fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "branching.esim",
            summary: "eSIM create is HTTP 200; DELIVERED has activation_code and iccid, FAILED has failure fields and its own refund (at once and after PENDING), PENDING reaches a terminal status",
            spends: Spends::Orders,
            run: |ctx| Box::pin(esim(ctx)),
        },
        Check {
            id: "branching.voucher_mode",
            summary: "voucher quantity 5 is delivered inline; quantity 6 is PENDING with no codes, then delivered",
            spends: Spends::Orders,
            run: |ctx| Box::pin(voucher_mode(ctx)),
        },
        Check {
            id: "branching.topup",
            summary: "a PENDING topup reaches a terminal status",
            spends: Spends::Orders,
            run: |ctx| Box::pin(topup(ctx)),
        },
        Check {
            id: "branching.activation_code",
            summary: "activation_code never appears in lists, and disappears once the eSIM is installed",
            spends: Spends::Orders,
            run: |ctx| Box::pin(activation_code(ctx)),
        },
        Check {
            id: "money.echo_amount",
            summary: "a variant's amount echoed into an order is accepted exactly, and the debit is the quoted total",
            spends: Spends::Orders,
            run: |ctx| Box::pin(echo_amount(ctx)),
        },
        Check {
            id: "money.charges_math",
            summary: "charges follow the documented math exactly, unrounded: total = face - discount, net = total x rate, payable = net + fee",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(charges_math(ctx)),
        },
    ]
}

/// How long a pending order may take before the check gives up: short against the embedded emulator (and
/// its replays), long enough for a standalone one's default five-second fulfilment, the documented eleven
/// minutes elsewhere.
fn patience(ctx: &Ctx) -> Duration {
    match ctx.control {
        Control::Emulator(_) | Control::Recorded => Duration::from_secs(3),
        Control::Http(_) => Duration::from_secs(30),
        Control::None => Duration::from_secs(660),
    }
}

fn esim_order(ctx: &Ctx, suffix: &str, amount: Decimal) -> CreateEsimOrderRequest {
    CreateEsimOrderRequest::new(712, amount).client_reference(ctx.reference(suffix))
}

/// Checks one eSIM order's terminal shape (its refund is the ledger window's to check).
fn esim_branch(order: &EsimOrder, request_id: Option<&str>) -> Result<(), Failure> {
    let rule = "branching.esim";
    match order.status.as_str() {
        "DELIVERED" => {
            if order.activation_code.is_none() || order.iccid.is_none() {
                return Err(fail(
                    rule,
                    "create_esim_order",
                    request_id,
                    format!("order {} is DELIVERED without activation_code and iccid", order.id),
                ));
            }
        }
        "FAILED" => {
            if order.failure_code.is_none() || order.failure_reason.is_none() || order.is_user_fixable.is_none() {
                return Err(fail(
                    rule,
                    "create_esim_order",
                    request_id,
                    format!("order {} is FAILED without failure_code, failure_reason and is_user_fixable", order.id),
                ));
            }
        }
        other => return Err(fail(rule, "create_esim_order", request_id, format!("order {} ended {other}", order.id))),
    }
    Ok(())
}

async fn esim(ctx: &Ctx) -> Result<Verdict, Failure> {
    let outcomes: &[(Outcome, &str, &str)] = if ctx.has_control() {
        &[
            (Outcome::Delivered, "delivered", "DELIVERED at once"),
            (Outcome::Failed, "failed", "FAILED at once"),
            (Outcome::PendingThenDelivered, "pending-delivered", "DELIVERED after PENDING"),
            (Outcome::PendingThenFailed, "pending-failed", "FAILED after PENDING"),
        ]
    } else {
        &[(Outcome::Delivered, "plain", "as the host chose")]
    };
    // Refunds are tied to their orders only where the outcomes were forced: a shared account's ledger is
    // touched by other work.
    let window = if ctx.has_control() { Some(Window::open(ctx, "branching.esim").await?) } else { None };
    let mut placed = Vec::new();
    for (outcome, suffix, branch) in outcomes {
        let body = esim_order(ctx, suffix, Decimal::new(450, 2));
        ctx.force("branching.esim", Vertical::Esim, *outcome, body.client_reference.as_deref().unwrap_or("")).await?;
        let resp = expect_ok("branching.esim", "create_esim_order", ctx.client.create_esim_order(&body).await)?;
        if resp.status != 200 {
            return Err(fail(
                "branching.esim",
                "create_esim_order",
                resp.request_id.as_deref(),
                format!("HTTP {}; eSIM create is always 200", resp.status),
            ));
        }
        let mut order = resp.body;
        let mut request_id = resp.request_id;
        if order.status.as_str() == "PENDING" {
            if order.activation_code.is_some() {
                return Err(fail(
                    "branching.esim",
                    "create_esim_order",
                    request_id.as_deref(),
                    "a PENDING order carries an activation_code",
                ));
            }
            match expect_ok(
                "branching.esim",
                "get_esim_order",
                ctx.client.wait_for_esim_order(order.id, patience(ctx)).await.map(Waited::into_response),
            )? {
                r if r.body.status.is_terminal() => {
                    request_id = r.request_id;
                    order = r.body;
                }
                r => {
                    return Err(fail(
                        "branching.esim",
                        "get_esim_order",
                        r.request_id.as_deref(),
                        format!("order {} still PENDING after {:?}", order.id, patience(ctx)),
                    ));
                }
            }
        }
        esim_branch(&order, request_id.as_deref())?;
        let failed = order.status.as_str() == "FAILED";
        placed.push(Placed { id: order.id, amount: order.amount, failed, branch });
    }
    if let Some(window) = window {
        window.settles(ctx, "branching.esim", &placed).await?;
    }
    if !ctx.has_control() {
        return Ok(Verdict {
            warnings: vec![format!(
                "{NO_CONTROL}: only the outcome the host chose was exercised, not the four forced ones"
            )],
        });
    }
    Verdict::pass()
}

async fn voucher_mode(ctx: &Ctx) -> Result<Verdict, Failure> {
    let rule = "branching.voucher_mode";
    let order = |quantity: i32, suffix: &str| {
        CreateVoucherOrderRequest::new(123, Decimal::new(1000, 2), quantity).client_reference(ctx.reference(suffix))
    };
    // Each answer must be `status` with `count` vouchers; `what` names it in the failure.
    let expect = |op: &str, r: &ApiResponse<VoucherOrder>, status: &str, count: usize, what: &str| {
        if r.body.status.as_str() == status && r.body.vouchers.len() == count {
            return Ok(());
        }
        let (got, n) = (r.body.status.as_str(), r.body.vouchers.len());
        let message = format!("{what} answered {got} with {n} vouchers; it should be {status} with {count}");
        Err(fail(rule, op, r.request_id.as_deref(), message))
    };
    let five = expect_ok(rule, "create_voucher_order", ctx.client.create_voucher_order(&order(5, "five")).await)?;
    expect("create_voucher_order", &five, "DELIVERED", 5, "quantity 5 (delivered inline)")?;
    let six = expect_ok(rule, "create_voucher_order", ctx.client.create_voucher_order(&order(6, "six")).await)?;
    expect("create_voucher_order", &six, "PENDING", 0, "quantity 6 (asynchronous)")?;
    let done = expect_ok(
        rule,
        "get_voucher_order",
        ctx.client.wait_for_voucher_order(six.body.id, patience(ctx)).await.map(Waited::into_response),
    )?;
    expect("get_voucher_order", &done, "DELIVERED", 6, "the quantity-6 order, once settled,")?;
    Verdict::pass()
}

async fn topup(ctx: &Ctx) -> Result<Verdict, Failure> {
    let rule = "branching.topup";
    let body = CreateTopupOrderRequest::new(4218, Decimal::new(99, 2))
        .input_data([("player_id".to_string(), "5123456789".to_string())])
        .client_reference(ctx.reference("topup"));
    ctx.force(
        "branching.topup",
        Vertical::Topups,
        Outcome::PendingThenDelivered,
        body.client_reference.as_deref().unwrap_or(""),
    )
    .await?;
    let created = expect_ok(rule, "create_topup_order", ctx.client.create_topup_order(&body).await)?;
    let order = created.body;
    if order.status.as_str() != "PENDING" {
        let why =
            if ctx.has_control() { String::new() } else { format!(" ({NO_CONTROL}: PENDING could not be forced)") };
        return Ok(Verdict {
            warnings: vec![format!("the topup answered {} at once; no PENDING to follow{why}", order.status.as_str())],
        });
    }
    let r = expect_ok(
        rule,
        "get_topup_order",
        ctx.client.wait_for_topup_order(order.id, patience(ctx)).await.map(Waited::into_response),
    )?;
    if !r.body.status.is_terminal() {
        return Err(fail(
            rule,
            "get_topup_order",
            r.request_id.as_deref(),
            format!("order {} still {} after {:?}", order.id, r.body.status.as_str(), patience(ctx)),
        ));
    }
    if r.body.completed_at.is_none() {
        return Err(fail(
            rule,
            "get_topup_order",
            r.request_id.as_deref(),
            format!("terminal order {} has no completed_at", order.id),
        ));
    }
    Verdict::pass()
}

async fn activation_code(ctx: &Ctx) -> Result<Verdict, Failure> {
    let rule = "branching.activation_code";
    let body = esim_order(ctx, "code", Decimal::new(450, 2));
    ctx.force(
        "branching.activation_code",
        Vertical::Esim,
        Outcome::Delivered,
        body.client_reference.as_deref().unwrap_or(""),
    )
    .await?;
    let order = expect_ok(rule, "create_esim_order", ctx.client.create_esim_order(&body).await)?.body;
    let list = expect_ok(
        rule,
        "list_esim_orders",
        ctx.client.list_esim_orders(&ListEsimOrdersParams::new().per_page(100)).await,
    )?;
    if let Some(o) = list.body.iter().find(|o| o.activation_code.is_some()) {
        return Err(fail(
            rule,
            "list_esim_orders",
            list.request_id.as_deref(),
            format!("order {} shows its activation_code in a list", o.id),
        ));
    }
    if !ctx.has_control() {
        return Ok(Verdict { warnings: vec![format!("{NO_CONTROL}: the install step was not exercised")] });
    }
    ctx.install("branching.activation_code", order.id).await?;
    let after = expect_ok(rule, "get_esim_order", ctx.client.get_esim_order(order.id).await)?;
    if after.body.is_installed != Some(true) {
        return Err(fail(
            rule,
            "get_esim_order",
            after.request_id.as_deref(),
            format!("order {} is not installed after the install", order.id),
        ));
    }
    if after.body.activation_code.is_some() {
        return Err(fail(
            rule,
            "get_esim_order",
            after.request_id.as_deref(),
            format!("installed order {} still shows its activation_code", order.id),
        ));
    }
    Verdict::pass()
}

/// The balance of the client's wallet in `currency`.
async fn balance(ctx: &Ctx, rule: &'static str, currency: &str) -> Result<(i64, Decimal), Failure> {
    let currencies = expect_ok(rule, "list_currencies", ctx.client.list_currencies().await)?;
    let currency_id = currencies.body.iter().find(|c| c.currency == currency).map(|c| c.id);
    let wallets = expect_ok(rule, "list_wallets", ctx.client.list_wallets(&ListWalletsParams::new()).await)?;
    let w = wallets.body.iter().find(|w| Some(w.currency_id) == currency_id);
    w.map(|w| (w.id, w.amount))
        .ok_or_else(|| fail(rule, "list_wallets", wallets.request_id.as_deref(), format!("no {currency} wallet")))
}

async fn echo_amount(ctx: &Ctx) -> Result<Verdict, Failure> {
    let rule = "money.echo_amount";
    let product = expect_ok(rule, "get_esim_product", ctx.client.get_esim_product(712).await)?;
    let Some(variant) = product.body.variants.first() else {
        return Err(fail(rule, "get_esim_product", product.request_id.as_deref(), "product 712 has no variants"));
    };
    let quote = EsimChargesRequest::new(712, variant.amount);
    let charges = expect_ok(rule, "calculate_esim_charges", ctx.client.calculate_esim_charges(&quote).await)?;
    let (_, before) = balance(ctx, rule, &charges.body.charges_details.destination_currency).await?;
    let body = esim_order(ctx, "echo", variant.amount);
    ctx.force("money.echo_amount", Vertical::Esim, Outcome::Delivered, body.client_reference.as_deref().unwrap_or(""))
        .await?;
    let order = expect_ok(rule, "create_esim_order", ctx.client.create_esim_order(&body).await)?;
    let id = order.request_id.as_deref();
    if order.body.amount != charges.body.total_payable {
        return Err(fail(
            rule,
            "create_esim_order",
            id,
            format!("the order debited {} but the charges quoted {}", order.body.amount, charges.body.total_payable),
        ));
    }
    let (_, after) = balance(ctx, rule, &charges.body.charges_details.destination_currency).await?;
    if before - after != charges.body.total_payable {
        return Err(fail(
            rule,
            "list_wallets",
            id,
            format!("the wallet moved by {} for a quote of {}", before - after, charges.body.total_payable),
        ));
    }
    Verdict::pass()
}

struct Math {
    face: Decimal,
    /// The discount in percent (`5.0`), and its amount; the percent and `total_amount` may be absent (a
    /// voucher quote in the walkthrough's shorter form), and are then judged by what the rest implies.
    percent: Option<Decimal>,
    discount: Decimal,
    total: Option<Decimal>,
    net: Option<Decimal>,
    fee: Option<Decimal>,
    rate: Option<Decimal>,
    payable: Decimal,
}

/// The figures of a charges answer. `Charges` and `VoucherCharges` are separate generated types with the same
/// fields (the latter adds `max_quantity`), hence a macro rather than a function.
macro_rules! math_of {
    ($b:expr) => {
        Math {
            face: $b.non_discounted_total,
            // `Option::from` takes a `Charges` figure (always there) and a `VoucherCharges` one (optional:
            // the walkthrough's shorter answer omits it) alike.
            percent: Option::from($b.discount),
            discount: $b.discount_amount,
            total: Option::from($b.total_amount),
            net: $b.net_amount.value().copied(),
            fee: $b.handling_fee_amount.value().copied(),
            rate: $b.charges_details.forex_rate,
            payable: $b.total_payable,
        }
    };
}

fn check_math(operation: &str, request_id: Option<&str>, m: Math) -> Result<(), Failure> {
    let wrong = |what: String| Err(fail("money.charges_math", operation, request_id, what));
    // Exact, never rounded: the documents state no rounding, and their amounts carry more places than the
    // currency's precision, which is for display (`0.225` and `4.275` USD, the spec's `Money` and
    // `Currency.precision`).
    if let Some(percent) = m.percent {
        let off = m.face * percent / Decimal::ONE_HUNDRED;
        if m.discount != off {
            return wrong(format!(
                "discount_amount {} != non_discounted_total {} x discount {percent}% = {off} exactly (the documents round nothing)",
                m.discount, m.face
            ));
        }
    }
    let total = m.face - m.discount;
    if m.total.is_some_and(|t| t != total) {
        return wrong(format!(
            "non_discounted_total {} - discount_amount {} != total_amount {:?}",
            m.face, m.discount, m.total
        ));
    }
    let expected = m.rate.map_or(total, |r| total * r);
    // Without `net_amount` (optional), the payable is judged against what it would be.
    let net = m.net.unwrap_or(expected);
    if net != expected {
        return wrong(format!(
            "net_amount {net} != total_amount {total} x forex_rate {:?} = {expected} exactly (the documents round nothing)",
            m.rate
        ));
    }
    if m.payable != net + m.fee.unwrap_or(Decimal::ZERO) {
        return wrong(format!("total_payable {} != net_amount {net} + handling_fee_amount {:?}", m.payable, m.fee));
    }
    Ok(())
}

async fn charges_math(ctx: &Ctx) -> Result<Verdict, Failure> {
    let rule = "money.charges_math";
    let c = &ctx.client;
    let mut wallets: Vec<Option<i64>> = vec![None];
    let all = expect_ok(rule, "list_wallets", c.list_wallets(&ListWalletsParams::new()).await)?;
    wallets.extend(all.body.iter().map(|w| Some(w.id)));
    for wallet_id in wallets {
        let mut q = EsimChargesRequest::new(712, Decimal::new(450, 2));
        q.wallet_id = wallet_id;
        let r = expect_ok(rule, "calculate_esim_charges", c.calculate_esim_charges(&q).await)?;
        let b = r.body;
        let m = math_of!(b);
        check_math("calculate_esim_charges", r.request_id.as_deref(), m)?;
    }
    let q = VoucherChargesRequest::new(Decimal::new(5000, 2), 2);
    let r = expect_ok(rule, "calculate_voucher_charges", c.calculate_voucher_charges(123, &q).await)?;
    let b = r.body;
    let m = math_of!(b);
    check_math("calculate_voucher_charges", r.request_id.as_deref(), m)?;
    let q = TopupChargesRequest::new(4218, Decimal::new(99, 2));
    let r = expect_ok(rule, "calculate_topup_charges", c.calculate_topup_charges(&q).await)?;
    let b = r.body;
    let m = math_of!(b);
    check_math("calculate_topup_charges", r.request_id.as_deref(), m)?;
    Verdict::pass()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::RoundingStrategy::{MidpointAwayFromZero, MidpointNearestEven, ToZero};

    /// A quote of 4.50 at 5% off paid from a wallet at 0.92 a dollar: every figure exact has 4 places.
    fn quote(net: Decimal) -> Math {
        let (face, discount) = (Decimal::new(450, 2), Decimal::new(225, 3));
        Math {
            face,
            percent: Some(Decimal::new(50, 1)),
            discount,
            total: Some(face - discount),
            net: Some(net),
            fee: None,
            rate: Some(Decimal::new(92, 2)),
            payable: net,
        }
    }

    #[test]
    fn the_charges_math_is_exact_and_any_rounding_fails() {
        let exact = Decimal::new(4275, 3) * Decimal::new(92, 2);
        assert_eq!(exact, Decimal::new(3933, 3));
        assert!(check_math("calculate_esim_charges", None, quote(exact)).is_ok());
        // Half-up, banker's and truncation to the currency's two places all give 3.93: a host that rounds.
        for mode in [MidpointAwayFromZero, MidpointNearestEven, ToZero] {
            let rounded = exact.round_dp_with_strategy(2, mode);
            let failure = check_math("calculate_esim_charges", None, quote(rounded)).expect_err("rounding is refused");
            assert!(failure.message.contains("exactly"), "{mode:?}: {}", failure.message);
        }
        // The midpoint case: 4.275 rounds to 4.28 both half-up and banker's, still not 4.275.
        let same_currency =
            Math { rate: None, net: Some(Decimal::new(428, 2)), payable: Decimal::new(428, 2), ..quote(exact) };
        assert!(check_math("calculate_esim_charges", None, same_currency).is_err());
        // A discount rounded to cents (0.23 half-up, 0.22 banker's), everything after it consistent with it.
        for mode in [MidpointAwayFromZero, MidpointNearestEven] {
            let discount = Decimal::new(225, 3).round_dp_with_strategy(2, mode);
            let total = Decimal::new(450, 2) - discount;
            let net = total * Decimal::new(92, 2);
            let m = Math { discount, total: Some(total), net: Some(net), payable: net, ..quote(exact) };
            let failure = check_math("calculate_esim_charges", None, m).expect_err("a rounded discount is refused");
            assert!(failure.message.starts_with("discount_amount"), "{mode:?}: {}", failure.message);
        }
    }

    #[test]
    fn the_walkthroughs_shorter_voucher_quote_is_judged_by_what_it_carries() {
        let exact = Decimal::new(4275, 3) * Decimal::new(92, 2);
        // No `discount` percent, no `total_amount`, no `net_amount`: the rest must still add up.
        let short = Math { percent: None, total: None, net: None, ..quote(exact) };
        assert!(check_math("calculate_voucher_charges", None, short).is_ok());
        let rounded = exact.round_dp(2);
        let short = Math { percent: None, total: None, net: None, payable: rounded, ..quote(exact) };
        assert!(check_math("calculate_voucher_charges", None, short).is_err(), "a rounded payable still fails");
        let wrong_total = Math { total: Some(Decimal::new(427, 2)), ..quote(exact) };
        assert!(check_math("calculate_voucher_charges", None, wrong_total).is_err());
    }
}
