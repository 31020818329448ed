//! The wire: every response of every read operation against the spec's schemas, and request ids.

use super::{Check, Ctx, Failure, Spends, Verdict, expect_ok, fail};
use crate::spec::Spec;
use octopus_client::operations::*;

pub fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "schema.responses",
            summary: "every response of the run so far matches the spec (status, headers, body); undocumented fields are drift",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(schema(ctx)),
        },
        Check {
            id: "request_id.echo",
            summary: "a request's X-Request-Id is echoed on success and on error",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(echo(ctx)),
        },
        Check {
            id: "request_id.present",
            summary: "every response carries an X-Request-Id, also when none was sent",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(present(ctx)),
        },
    ]
}

/// Calls every read operation once (ids from the lists), so each response shape is seen.
async fn read_everything(ctx: &Ctx) -> Result<(), Failure> {
    let c = &ctx.client;
    let rule = "schema.responses";
    expect_ok(rule, "list_countries", c.list_countries().await)?;
    expect_ok(rule, "get_country", c.get_country(1).await)?;
    expect_ok(rule, "list_currencies", c.list_currencies().await)?;
    if let Ok(cats) = c.list_categories().await
        && let Some(first) = cats.body.first()
    {
        expect_ok(rule, "get_category", c.get_category(first.id).await)?;
    }
    if let Ok(subs) = c.list_subcategories().await
        && let Some(first) = subs.body.first()
    {
        expect_ok(rule, "get_subcategory", c.get_subcategory(first.id).await)?;
    }
    let params = ListVoucherProductsParams::new().limit(50);
    let vouchers = expect_ok(rule, "list_voucher_products", c.list_voucher_products(&params).await)?;
    for p in vouchers.body.iter().take(3) {
        expect_ok(rule, "get_voucher_product", c.get_voucher_product(p.id).await)?;
    }
    let params = ListTopupProductsParams::new().per_page(50);
    let topups = expect_ok(rule, "list_topup_products", c.list_topup_products(&params).await)?;
    for p in topups.body.iter().take(3) {
        expect_ok(rule, "get_topup_product", c.get_topup_product(p.id).await)?;
        let variants = expect_ok(rule, "list_topup_product_variants", c.list_topup_product_variants(p.id).await)?;
        if let Some(v) = variants.body.first() {
            expect_ok(rule, "get_topup_variant", c.get_topup_variant(v.id).await)?;
        }
    }
    let params = ListEsimProductsParams::new().per_page(50);
    let esims = expect_ok(rule, "list_esim_products", c.list_esim_products(&params).await)?;
    for p in esims.body.iter().take(3) {
        let detail = expect_ok(rule, "get_esim_product", c.get_esim_product(p.id).await)?;
        expect_ok(rule, "list_esim_product_variants", c.list_esim_product_variants(p.id).await)?;
        if let Some(v) = detail.body.variants.first() {
            expect_ok(rule, "get_esim_variant", c.get_esim_variant(v.id).await)?;
        }
    }
    expect_ok(rule, "list_wallets", c.list_wallets(&ListWalletsParams::new()).await)?;
    let txns = expect_ok(rule, "list_transactions", c.list_transactions(&ListTransactionsParams::new()).await)?;
    if let Some(t) = txns.body.first() {
        expect_ok(rule, "get_transaction", c.get_transaction(t.id).await)?;
    }
    for (op, ids) in [
        (
            "get_voucher_order",
            expect_ok(rule, "list_voucher_orders", c.list_voucher_orders(&ListVoucherOrdersParams::new()).await)?
                .body
                .iter()
                .map(|o| o.id)
                .take(2)
                .collect::<Vec<_>>(),
        ),
        (
            "get_topup_order",
            expect_ok(rule, "list_topup_orders", c.list_topup_orders(&ListTopupOrdersParams::new()).await)?
                .body
                .iter()
                .map(|o| o.id)
                .take(2)
                .collect(),
        ),
        (
            "get_esim_order",
            expect_ok(rule, "list_esim_orders", c.list_esim_orders(&ListEsimOrdersParams::new()).await)?
                .body
                .iter()
                .map(|o| o.id)
                .take(2)
                .collect(),
        ),
    ] {
        for id in ids {
            let r = match op {
                "get_voucher_order" => c.get_voucher_order(id).await.map(|_| ()),
                "get_topup_order" => c.get_topup_order(id).await.map(|_| ()),
                _ => c.get_esim_order(id).await.map(|_| ()),
            };
            r.map_err(|e| fail(rule, op, e.request_id(), super::describe(&e)))?;
        }
    }
    Ok(())
}

async fn schema(ctx: &Ctx) -> Result<Verdict, Failure> {
    // A decode failure in the client is a schema failure too, but the raw check below names the field.
    let called = read_everything(ctx).await;
    let spec = Spec::embedded();
    let mut warnings = Vec::new();
    // Every exchange so far, from every check that ran before this one, and this check's own reads.
    for (_, e) in ctx.tap.all_exchanges() {
        if e.status == 0 || e.status == 599 {
            continue; // a transport failure (no response to judge) or a replay mismatch (reported by its check)
        }
        let Some(op) = spec.operation_of_request(&e.method, &e.path) else { continue };
        let found = spec.validate(op, e.status, &e.response_headers, e.response_body.as_bytes());
        if let Some(first) = found.errors.first() {
            let more =
                if found.errors.len() > 1 { format!(" (and {} more)", found.errors.len() - 1) } else { String::new() };
            return Err(fail("schema.responses", &op.id, e.header("x-request-id"), format!("{first}{more}")));
        }
        for d in found.drift {
            // One warning per field, whichever item showed it.
            let d = format!("spec drift: {}", without_indices(&d));
            if !warnings.contains(&d) {
                warnings.push(d);
            }
        }
    }
    called?;
    Ok(Verdict { warnings })
}

const SENT_ID: &str = "2F7vTVG3Y8aZrqP1wJhdEkM9oYB";

async fn echo(ctx: &Ctx) -> Result<Verdict, Failure> {
    let rule = "request_id.echo";
    let c = ctx
        .client_builder()
        .credentials(ctx.key.clone(), ctx.secret.clone())
        .request_ids(|| SENT_ID.to_string())
        .build()
        .map_err(|e| fail(rule, "build", None, e.to_string()))?;
    let ok = expect_ok(rule, "list_currencies", c.list_currencies().await)?;
    if ok.request_id.as_deref() != Some(SENT_ID) {
        return Err(fail(
            rule,
            "list_currencies",
            ok.request_id.as_deref(),
            format!("sent X-Request-Id {SENT_ID}, got {:?}", ok.request_id),
        ));
    }
    match c.get_esim_product(2_000_000_000).await {
        Err(e) if e.request_id() == Some(SENT_ID) => Verdict::pass(),
        Err(e) => Err(fail(
            rule,
            "get_esim_product",
            e.request_id(),
            format!("sent X-Request-Id {SENT_ID} on an error, got {:?}", e.request_id()),
        )),
        Ok(r) => Err(fail(rule, "get_esim_product", r.request_id.as_deref(), "an unknown product answered 2xx")),
    }
}

async fn present(ctx: &Ctx) -> Result<Verdict, Failure> {
    let rule = "request_id.present";
    // Plain requests that send no X-Request-Id: the host must make one.
    let http = reqwest::Client::new();
    let base = &ctx.tap.base_url;
    for (op, req) in [
        ("list_currencies", http.get(format!("{base}/api/v1/currencies"))),
        ("login", http.post(format!("{base}/auth/login")).header("content-type", "application/json").body("{}")),
    ] {
        let r = req.send().await.map_err(|e| fail(rule, op, None, format!("transport error: {e}")))?;
        let id = r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
        if id.is_empty() || id.len() >= 64 {
            return Err(fail(rule, op, None, format!("HTTP {} without a usable X-Request-Id ({id:?})", r.status())));
        }
    }
    let r = expect_ok(rule, "list_wallets", ctx.client.list_wallets(&ListWalletsParams::new()).await)?;
    for e in ctx.exchanges() {
        if e.header("x-request-id").is_none_or(str::is_empty) {
            return Err(fail(
                rule,
                &e.path,
                r.request_id.as_deref(),
                format!("{} {} answered HTTP {} without X-Request-Id", e.method, e.path, e.status),
            ));
        }
    }
    Verdict::pass()
}

/// `body[3].x` → `body[].x`.
fn without_indices(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_index = false;
    for ch in s.chars() {
        match ch {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            c if in_index && c.is_ascii_digit() => {}
            c => out.push(c),
        }
    }
    out
}
