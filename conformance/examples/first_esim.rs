//! The first-eSIM-order walkthrough (docs/001_889a3fa1a8e00877.txt) through the generated client:
//! find a country plan, read its variants, order with the variant's exact amount, poll if pending.
//!
//! Runs against `OCTOPUS_BASE_URL` with `OCTOPUS_API_KEY` and `OCTOPUS_API_SECRET` when they are set (for
//! example from `cargo xtask sandbox`), otherwise against an embedded emulator:
//! `cargo run -p conformance --example first_esim`.

use futures_util::TryStreamExt;
use octopus_client::models::{CreateEsimOrderRequest, EsimOrder};
use octopus_client::operations::ListEsimProductsParams;
use octopus_client::support::OneTimeSecret;
use octopus_client::{Client, Waited};
use std::time::Duration;

/// The whole flow; returns the order and, when it was delivered, its one-time activation code.
pub async fn first_esim(
    base_url: &str,
    key: &str,
    secret: &str,
    reference: &str,
) -> Result<(EsimOrder, Option<OneTimeSecret>), Box<dyn std::error::Error>> {
    let client = Client::builder(base_url).credentials(key, secret).build()?;

    // 1. Find a country plan: eSIM products are per country, alpha-3 codes.
    let params = ListEsimProductsParams::new().country_code("JPN");
    let products: Vec<_> = client.list_esim_products_stream(&params, 4).try_collect().await?;
    let japan = products.iter().find(|p| p.id == 712).or(products.first()).ok_or("no eSIM product for JPN")?;
    println!("product {} {}", japan.id, japan.name);

    // 2. Its variants: echo the chosen variant's amount exactly.
    let variants = client.list_esim_product_variants(japan.id).await?.into_body();
    let variant = variants.first().ok_or("the product has no variants")?;
    println!("variant {} at {} {}", variant.id, variant.amount, variant.currency_code);

    // 3. Place the order. Always HTTP 200: branch on the status.
    let request = CreateEsimOrderRequest::new(japan.id, variant.amount).client_reference(reference);
    let order = client.create_esim_order(&request).await?.into_body();
    let mut order = match order.status.as_str() {
        // 4. Pending: poll at the documented cadence, for up to five minutes.
        "PENDING" => match client.wait_for_esim_order(order.id, Duration::from_secs(300)).await? {
            Waited::Done(r) | Waited::Pending(r) => r.into_body(),
        },
        _ => order,
    };
    // The activation code is shown once (it is burnt on install): take it now and keep it.
    let code = order.take_activation_code();
    match order.status.as_str() {
        "DELIVERED" => println!("order {} delivered; activation code received: {}", order.id, code.is_some()),
        "FAILED" => {
            println!("order {} failed: {}", order.id, order.failure_reason.as_deref().unwrap_or("no reason given"))
        }
        other => println!("order {} is {other}", order.id),
    }
    Ok((order, code))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |k: &str| std::env::var(k).ok();
    let reference = format!("FIRST_ESIM_{}", std::process::id());
    match (env("OCTOPUS_BASE_URL"), env("OCTOPUS_API_KEY"), env("OCTOPUS_API_SECRET")) {
        (Some(url), Some(key), Some(secret)) => {
            let _delivered = first_esim(&url, &key, &secret, &reference).await?;
        }
        _ => {
            let e = conformance::emulator::Emulator::start(Default::default()).await?;
            let a = &e.accounts[0];
            let _delivered = first_esim(&e.base_url, &a.key, &a.secret, &reference).await?;
        }
    }
    Ok(())
}
