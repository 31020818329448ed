//! Paging: the six headers on every paged list, their consistency with the body, walks that see every item
//! once, and pages past the end. Both styles (`page` + `limit`, `page` + `per_page`) are covered.

use super::{Check, Ctx, Failure, Spends, Verdict, expect_ok, fail};
use octopus_client::operations::*;
use octopus_client::{ApiResponse, Paging};
use std::collections::BTreeSet;

pub fn checks() -> Vec<Check> {
    vec![
        Check {
            id: "paging.headers",
            summary: "X-Page, X-Per-Page, X-Total-Count, X-Total-Pages, X-Page-Size and X-Has-More are on every paged list and well-formed",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(headers(ctx)),
        },
        Check {
            id: "paging.consistency",
            summary: "X-Page-Size is the item count, X-Has-More is page < pages, X-Total-Pages is ceil(total / per page)",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(consistency(ctx)),
        },
        Check {
            id: "paging.walk",
            summary: "walking every page yields exactly X-Total-Count distinct ids, in both paging styles",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(walk(ctx)),
        },
        Check {
            id: "paging.past_end",
            summary: "a page past the end is an empty array, in both paging styles",
            spends: Spends::Nothing,
            run: |ctx| Box::pin(past_end(ctx)),
        },
    ]
}

/// One page of a list: its paging headers, the ids in the body and the request id.
struct Page {
    operation: &'static str,
    paging: Result<Option<Paging>, String>,
    ids: Vec<i64>,
    request_id: Option<String>,
}

/// A page from a list's answer; `id` reads an item's id.
fn page_of<T>(operation: &'static str, resp: ApiResponse<Vec<T>>, id: impl Fn(&T) -> i64) -> Page {
    Page { operation, paging: resp.paging(), ids: resp.body.iter().map(id).collect(), request_id: resp.request_id }
}

/// Every paged list of the spec, asking for `page` at `size` items per page.
async fn pages(ctx: &Ctx, page: i32, size: i32) -> Result<Vec<Page>, Failure> {
    let c = &ctx.client;
    let mut out = Vec::new();
    macro_rules! list {
        ($op:ident, $params:expr) => {{
            let resp = expect_ok("paging.request", stringify!($op), c.$op(&$params).await)?;
            out.push(page_of(stringify!($op), resp, |i| i.id))
        }};
    }
    list!(list_voucher_products, ListVoucherProductsParams::new().page(page).limit(size));
    list!(list_voucher_orders, ListVoucherOrdersParams::new().page(page).limit(size));
    list!(list_topup_products, ListTopupProductsParams::new().page(page).per_page(size));
    list!(list_topup_orders, ListTopupOrdersParams::new().page(page).per_page(size));
    list!(list_esim_products, ListEsimProductsParams::new().page(page).per_page(size));
    list!(list_esim_orders, ListEsimOrdersParams::new().page(page).per_page(size));
    list!(list_wallets, ListWalletsParams::new().page(page).limit(size));
    list!(list_transactions, ListTransactionsParams::new().page(page).limit(size));
    Ok(out)
}

/// The page's headers, or the failure naming the missing or malformed one.
fn headers_of(rule: &'static str, page: &Page) -> Result<Paging, Failure> {
    match &page.paging {
        Ok(Some(p)) => Ok(*p),
        Ok(None) => Err(fail(rule, page.operation, page.request_id.as_deref(), "the paging headers are missing")),
        Err(e) => Err(fail(rule, page.operation, page.request_id.as_deref(), e.clone())),
    }
}

async fn headers(ctx: &Ctx) -> Result<Verdict, Failure> {
    for page in pages(ctx, 1, 7).await? {
        headers_of("paging.headers", &page)?;
    }
    Verdict::pass()
}

async fn consistency(ctx: &Ctx) -> Result<Verdict, Failure> {
    for n in [1, 2] {
        for page in pages(ctx, n, 7).await? {
            let h = headers_of("paging.consistency", &page)?;
            let wrong =
                |what: String| Err(fail("paging.consistency", page.operation, page.request_id.as_deref(), what));
            if h.page_size != page.ids.len() as u64 {
                return wrong(format!("X-Page-Size is {} but the page has {} items", h.page_size, page.ids.len()));
            }
            if h.page != n as u64 || h.per_page != 7 {
                return wrong(format!("asked for page {n} of 7, headers say page {} of {}", h.page, h.per_page));
            }
            if h.total_pages != h.total_count.div_ceil(h.per_page) {
                return wrong(format!(
                    "X-Total-Pages is {} but ceil({} / {}) is {}",
                    h.total_pages,
                    h.total_count,
                    h.per_page,
                    h.total_count.div_ceil(h.per_page)
                ));
            }
            if h.has_more != (h.page < h.total_pages) {
                return wrong(format!("X-Has-More is {} on page {} of {}", h.has_more, h.page, h.total_pages));
            }
        }
    }
    Verdict::pass()
}

/// Walks a list to its end, one page after another.
async fn walk_one<F, Fut>(operation: &'static str, size: i32, mut fetch: F) -> Result<(), Failure>
where
    F: FnMut(i32) -> Fut,
    Fut: std::future::Future<Output = Result<Page, Failure>>,
{
    let (mut seen, mut total, mut page) = (BTreeSet::new(), None, 1);
    let mut last_id = None;
    loop {
        let p = fetch(page).await?;
        let h = headers_of("paging.walk", &p)?;
        last_id = p.request_id.clone().or(last_id);
        for id in &p.ids {
            if !seen.insert(*id) {
                return Err(fail(
                    "paging.walk",
                    operation,
                    p.request_id.as_deref(),
                    format!("id {id} appears on two pages (page {page} of size {size})"),
                ));
            }
        }
        total.get_or_insert(h.total_count);
        if !h.has_more || p.ids.is_empty() || page > 10_000 {
            break;
        }
        page += 1;
    }
    let total = total.unwrap_or(0);
    if seen.len() as u64 != total {
        return Err(fail(
            "paging.walk",
            operation,
            last_id.as_deref(),
            format!("walking every page gave {} distinct ids; X-Total-Count is {total}", seen.len()),
        ));
    }
    Ok(())
}

async fn walk(ctx: &Ctx) -> Result<Verdict, Failure> {
    let (c, rule) = (&ctx.client, "paging.walk");
    walk_one("list_esim_products", 25, |page| async move {
        let params = ListEsimProductsParams::new().page(page).per_page(25);
        let resp = expect_ok(rule, "list_esim_products", c.list_esim_products(&params).await)?;
        Ok(page_of("list_esim_products", resp, |i| i.id))
    })
    .await?;
    walk_one("list_voucher_products", 250, |page| async move {
        let params = ListVoucherProductsParams::new().page(page).limit(250);
        Ok(page_of(
            "list_voucher_products",
            expect_ok(rule, "list_voucher_products", c.list_voucher_products(&params).await)?,
            |i| i.id,
        ))
    })
    .await?;
    Verdict::pass()
}

async fn past_end(ctx: &Ctx) -> Result<Verdict, Failure> {
    for page in pages(ctx, 1, 500).await? {
        if !matches!(page.operation, "list_esim_products" | "list_voucher_products" | "list_wallets") {
            continue;
        }
        let h = headers_of("paging.past_end", &page)?;
        let beyond = h.total_pages as i32 + 1;
        let after = pages(ctx, beyond, 500).await?;
        let Some(p) = after.iter().find(|p| p.operation == page.operation) else { continue };
        if !p.ids.is_empty() {
            return Err(fail(
                "paging.past_end",
                p.operation,
                p.request_id.as_deref(),
                format!("page {beyond} of {} has {} items; it should be empty", h.total_pages, p.ids.len()),
            ));
        }
    }
    Verdict::pass()
}
