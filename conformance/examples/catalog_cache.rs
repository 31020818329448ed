//! The catalog guide's caching pattern (docs/002_35623776229f8897.txt, "Caching strategy" and what follows)
//! through the generated client's cache (feature `cache`) and quota budget: pre-warm the reference data at
//! boot, browse with every read served from the cache within its time to live, price and order, recover from
//! a `404 NOT_FOUND` at order time (the client has already invalidated the product), and invalidate a product
//! when a verified `product.update` arrives.
//!
//! Runs against `OCTOPUS_BASE_URL` with `OCTOPUS_API_KEY` and `OCTOPUS_API_SECRET` when they are set,
//! otherwise against an embedded emulator: `cargo run -p conformance --example catalog_cache`.

use octopus_client::models::{CreateVoucherOrderRequest, ErrorEnvelope, VoucherChargesRequest, VoucherOrder};
use octopus_client::operations::ListVoucherProductsParams;
use octopus_client::{Budget, CacheConfig, Client, Error};
use rust_decimal::Decimal;

/// The guide's "product not found at order time": the client has dropped the product's cached answers when
/// the order answered `404`, so the re-fetch reaches the server. Still sold: retry; gone: `None` (suggest an
/// alternative). The README shows the same function.
pub async fn buy(
    client: &Client,
    order: &CreateVoucherOrderRequest,
) -> Result<Option<VoucherOrder>, Error<ErrorEnvelope>> {
    match client.create_voucher_order(order).await {
        Ok(placed) => Ok(Some(placed.into_body())),
        // Delisted after it was cached: the client has already invalidated the product; re-fetch it.
        Err(e) if e.status() == Some(404) => match client.get_voucher_product(order.product_id).await {
            Ok(_) => Ok(Some(client.create_voucher_order(order).await?.into_body())), // still sold: retry
            Err(e) if e.status() == Some(404) => Ok(None),                            // gone: suggest an alternative
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    }
}

pub async fn catalog(base_url: &str, key: &str, secret: &str, sandbox: bool) -> Result<(), Box<dyn std::error::Error>> {
    let budget = if sandbox { Budget::sandbox() } else { Budget::production() };
    let client =
        Client::builder(base_url).credentials(key, secret).cache(CacheConfig::new()).quota_budget(budget).build()?;

    // 1. Pre-warm the reference data at boot: countries, currencies, categories (24 h and 12 h).
    let warmed = client
        .prewarm()
        .call(client.list_countries())
        .call(client.list_currencies())
        .call(client.list_categories())
        .run()
        .await;
    println!("pre-warmed {} reads ({} failed)", warmed.warmed, warmed.failed.len());

    // 2. Browse: the list is kept an hour, a product's detail 15 minutes.
    let products = client.list_voucher_products(&ListVoucherProductsParams::new().search("steam")).await?.into_body();
    let product = products.first().ok_or("no product matches `steam`")?;
    let detail = client.get_voucher_product(product.id).await?;
    let again = client.get_voucher_product(product.id).await?;
    println!("product {}: first read cached {}, second cached {}", product.id, detail.cached(), again.cached());
    let countries = client.list_countries().await?;
    println!("countries from the cache: {}", countries.cached());

    // 3. Price (5 minutes; the key is the whole request, the body included) and order.
    let denomination =
        detail.body.available_denominations.iter().find_map(|d| d.min_value).unwrap_or(Decimal::new(10, 0));
    let charges = client.calculate_voucher_charges(product.id, &VoucherChargesRequest::new(denomination, 1)).await?;
    println!("charges cached: {}", charges.cached());
    let reference = format!("CATALOG_CACHE_{}", std::process::id());
    let order = CreateVoucherOrderRequest::new(product.id, denomination, 1).client_reference(reference);
    match buy(&client, &order).await? {
        Some(placed) => println!("order {} is {}", placed.id, placed.status),
        None => println!("product {} is gone: suggest an alternative", product.id),
    }

    // 4. A verified `product.update` (after `webhook::verify_once`) drops its product in one call.
    let delivery = format!(r#"{{"id":"evt_1","type":"product.update","data":{{"id":{}}}}}"#, product.id);
    let cache = client.cache().ok_or("built with a cache")?;
    println!("invalidated by the webhook: {:?}", cache.invalidate_event(delivery.as_bytes()));
    println!("after: cached {}", client.get_voucher_product(product.id).await?.cached());
    println!("{:?}", cache.stats());
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).ok();
    if let (Some(url), Some(key), Some(secret)) =
        (env("OCTOPUS_BASE_URL"), env("OCTOPUS_API_KEY"), env("OCTOPUS_API_SECRET"))
    {
        return catalog(&url, &key, &secret, url.contains("sandbox")).await;
    }
    let e = conformance::emulator::Emulator::start(conformance::emulator::Config::fast()).await?;
    let a = &e.accounts[0];
    catalog(&e.base_url, &a.key, &a.secret, true).await
}
