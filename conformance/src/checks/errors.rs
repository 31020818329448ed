//! Errors: every non-2xx body is `{"error": {"name", "code", "message"}}` with the documented status and
//! code for each failure.

use super::{Check, Ctx, Failure, NO_CONTROL, Spends, Verdict, expect_error, expect_ok, fail};
use octopus_client::CallOptions;
use octopus_client::models::{CreateEsimOrderRequest, LoginRequest, RefreshRequest};
use octopus_client::operations::*;
use octopus_client::retry::RetryPolicy;
use rust_decimal::Decimal;

pub fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "errors.bad_id",
            summary: "an id that is not a positive integer gets 400: VALIDATION_FAILURE for an eSIM product (its page), BAD_REQUEST elsewhere",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(bad_id(ctx)),
        },
        Check {
            id: "errors.no_token",
            summary: "a request without a token gets 401 UNAUTHORIZED",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(no_token(ctx)),
        },
        Check {
            id: "errors.revoked_refresh",
            summary: "a refresh token used twice gets 401 UNAUTHORIZED (rotation)",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(revoked_refresh(ctx)),
        },
        Check {
            id: "errors.not_found",
            summary: "an unknown id and a blacklisted product get 404 NOT_FOUND, and blacklisted products are listed nowhere",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(not_found(ctx)),
        },
        Check {
            id: "errors.duplicate_reference",
            summary: "a reused client_reference gets 400 BAD_REQUEST and no second order",
            spends: Spends::Orders,
            run: |ctx| Box::pin(duplicate_reference(ctx)),
        },
        Check {
            id: "errors.page_size",
            summary: "a page size over the documented maximum gets 400 BAD_REQUEST",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(page_size(ctx)),
        },
        Check {
            id: "errors.rate_limit",
            summary: "past the per-minute quota: 429 TOO_MANY_REQUESTS with Retry-After",
            spends: Spends::Quota,
            run: |ctx| Box::pin(rate_limit(ctx)),
        },
    ]
}

async fn bad_id(ctx: &Ctx) -> Result<Verdict, Failure> {
    let c = &ctx.client;
    // The eSIM products page documents `ValidationException` / `VALIDATION_FAILURE` (the spec's example and
    // `x-doc-conflict`); other id routes answer `BAD_REQUEST` (conventions).
    expect_error("errors.bad_id", "get_esim_product", c.get_esim_product(0).await, 400, "VALIDATION_FAILURE")?;
    expect_error("errors.bad_id", "get_topup_order", c.get_topup_order(-5).await, 400, "BAD_REQUEST")?;
    Verdict::pass()
}

async fn no_token(ctx: &Ctx) -> Result<Verdict, Failure> {
    let anonymous = ctx.raw_client("errors.no_token")?;
    expect_error(
        "errors.no_token",
        "list_wallets",
        anonymous.list_wallets(&ListWalletsParams::new()).await,
        401,
        "UNAUTHORIZED",
    )?;
    expect_error("errors.no_token", "get_esim_order", anonymous.get_esim_order(1).await, 401, "UNAUTHORIZED")?;
    Verdict::pass()
}

async fn revoked_refresh(ctx: &Ctx) -> Result<Verdict, Failure> {
    let raw = ctx.raw_client("errors.revoked_refresh")?;
    let login = LoginRequest::new(ctx.key.clone(), ctx.secret.clone());
    let tokens = expect_ok("errors.revoked_refresh", "login", raw.login(&login).await)?.body.data;
    let once = RefreshRequest::new(tokens.refresh_token.clone());
    expect_ok("errors.revoked_refresh", "refresh_token", raw.refresh_token(&once).await)?;
    expect_error("errors.revoked_refresh", "refresh_token", raw.refresh_token(&once).await, 401, "UNAUTHORIZED")?;
    Verdict::pass()
}

async fn not_found(ctx: &Ctx) -> Result<Verdict, Failure> {
    let c = &ctx.client;
    expect_error("errors.not_found", "get_esim_product", c.get_esim_product(2_000_000_000).await, 404, "NOT_FOUND")?;
    expect_error("errors.not_found", "get_voucher_order", c.get_voucher_order(2_000_000_000).await, 404, "NOT_FOUND")?;
    let Some(hidden) = ctx.blacklisted_esim_product else {
        return Ok(Verdict {
            warnings: vec![format!(
                "{NO_CONTROL}: no blacklisted product is known for this host; only unknown ids were tried"
            )],
        });
    };
    expect_error("errors.not_found", "get_esim_product", c.get_esim_product(hidden).await, 404, "NOT_FOUND")?;
    let mut page = 1;
    loop {
        let params = ListEsimProductsParams::new().page(page).per_page(100);
        let resp = expect_ok("errors.not_found", "list_esim_products", c.list_esim_products(&params).await)?;
        if resp.body.iter().any(|p| p.id == hidden) {
            return Err(fail(
                "errors.not_found",
                "list_esim_products",
                resp.request_id.as_deref(),
                format!("blacklisted product {hidden} is listed"),
            ));
        }
        if resp.body.is_empty() || !resp.paging().ok().flatten().is_some_and(|p| p.has_more) || page > 100 {
            break;
        }
        page += 1;
    }
    Verdict::pass()
}

async fn duplicate_reference(ctx: &Ctx) -> Result<Verdict, Failure> {
    let c = &ctx.client;
    let reference = ctx.reference("dup");
    let order = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference(reference.clone());
    expect_ok("errors.duplicate_reference", "create_esim_order", c.create_esim_order(&order).await)?;
    // The host's own answer to the repeat, not the order the client would resolve it to.
    let judged = c.with_options(CallOptions::new().resolve_duplicates(false));
    expect_error(
        "errors.duplicate_reference",
        "create_esim_order",
        judged.create_esim_order(&order).await,
        400,
        "BAD_REQUEST",
    )?;
    let params = ListEsimOrdersParams::new().client_reference(reference);
    let found = expect_ok("errors.duplicate_reference", "list_esim_orders", c.list_esim_orders(&params).await)?;
    if found.body.len() != 1 {
        return Err(fail(
            "errors.duplicate_reference",
            "list_esim_orders",
            found.request_id.as_deref(),
            format!("{} orders carry the reference; exactly one should", found.body.len()),
        ));
    }
    Verdict::pass()
}

async fn page_size(ctx: &Ctx) -> Result<Verdict, Failure> {
    let c = &ctx.client;
    let r = c.list_wallets(&ListWalletsParams::new().limit(10_001)).await;
    expect_error("errors.page_size", "list_wallets", r, 400, "BAD_REQUEST")?;
    let r = c.list_voucher_products(&ListVoucherProductsParams::new().limit(501)).await;
    expect_error("errors.page_size", "list_voucher_products", r, 400, "BAD_REQUEST")?;
    let r = c.list_esim_products(&ListEsimProductsParams::new().per_page(0)).await;
    expect_error("errors.page_size", "list_esim_products", r, 400, "BAD_REQUEST")?;
    Verdict::pass()
}

async fn rate_limit(ctx: &Ctx) -> Result<Verdict, Failure> {
    // No retries, so the 429 reaches the check; 600 reads a minute is the documented sandbox quota.
    let c = ctx
        .client_builder()
        .credentials(ctx.key.clone(), ctx.secret.clone())
        .retry(RetryPolicy::none())
        .build()
        .map_err(|e| fail("errors.rate_limit", "build", None, e.to_string()))?;
    for _ in 0..1_000 {
        match c.list_currencies().await {
            Ok(_) => continue,
            Err(octopus_client::Error::Api(e)) if e.status == 429 => {
                let id = e.request_id.clone();
                let retry_after = e
                    .headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                if retry_after.is_none() {
                    return Err(fail(
                        "errors.rate_limit",
                        "list_currencies",
                        id.as_deref(),
                        "429 without a numeric Retry-After header",
                    ));
                }
                expect_error(
                    "errors.rate_limit",
                    "list_currencies",
                    Err::<octopus_client::ApiResponse<()>, _>(octopus_client::Error::Api(e)),
                    429,
                    "TOO_MANY_REQUESTS",
                )?;
                return Verdict::pass();
            }
            Err(e) => return Err(fail("errors.rate_limit", "list_currencies", e.request_id(), super::describe(&e))),
        }
    }
    Err(fail(
        "errors.rate_limit",
        "list_currencies",
        None,
        "1,000 reads within a minute were never limited (documented: 600 in the sandbox)",
    ))
}
