//! Errors a caller can act on without matching on internals: `status()`, `code()` (the open enum, through
//! the spec's `x-error-code`), `request_id()`, `retry_after()` and `is_retryable()`, against the emulator.

use conformance::emulator::{Config, Emulator, FaultKind, FaultProfile};
use octopus_client::models::ErrorCode;
use octopus_client::retry::RetryPolicy;
use octopus_client::{Client, Error};
use std::time::Duration;

fn client(e: &Emulator, retry: RetryPolicy) -> Client {
    let a = &e.accounts[0];
    Client::builder(e.base_url.clone()).credentials(a.key.clone(), a.secret.clone()).retry(retry).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_request_says_what_and_whether_to_try_again() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let c = client(&e, RetryPolicy::default());
    let err = c.get_esim_product(2_000_000_000).await.expect_err("no such product");
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some(&ErrorCode::NotFound));
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));
    assert!(!err.is_retryable(), "a 404 is not transient");
    assert_eq!(err.retry_after(), None);
    let err = c.get_esim_product(0).await.expect_err("a bad id");
    assert_eq!((err.status(), err.code()), (Some(400), Some(&ErrorCode::ValidationFailure)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retryable_and_says_how_long_to_wait() {
    let profile = FaultProfile::next(FaultKind::TooManyRequests, "/api/v1/currencies", 1);
    let e = Emulator::start(Config { faults: Some(profile), ..Config::fast() }).await.unwrap();
    let c = client(&e, RetryPolicy::none());
    let err = c.list_currencies().await.expect_err("the quota is spent");
    assert!(matches!(err, Error::Api(_)));
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.code(), Some(&ErrorCode::TooManyRequests));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert!(err.is_retryable());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_host_is_retryable_and_has_no_status() {
    let c = Client::builder("http://127.0.0.1:9").retry(RetryPolicy::none()).build().unwrap();
    let err = c.list_currencies().await.expect_err("nothing listens on port 9");
    assert!(matches!(err, Error::Transport(_)), "{err}");
    assert_eq!((err.status(), err.code(), err.retry_after()), (None, None, None));
    assert!(err.is_retryable());
}

#[test]
fn status_enums_know_which_values_end_a_wait() {
    use octopus_client::models::{EsimOrderStatus, VoucherOrderStatus};
    assert!(EsimOrderStatus::Delivered.is_terminal() && EsimOrderStatus::Failed.is_terminal());
    assert!(!EsimOrderStatus::Pending.is_terminal());
    assert!(VoucherOrderStatus::PartiallyDelivered.is_terminal());
    // A status the API adds later is kept, and not taken for the end of a wait.
    assert!(!EsimOrderStatus::Unknown("REFUNDED".into()).is_terminal());
}
