//! The first-eSIM example program, run end to end against the embedded emulator.

#[path = "../examples/first_esim.rs"]
#[allow(dead_code)] // The example's `main` is not used here.
mod example;

#[tokio::test]
async fn the_first_esim_flow_runs_end_to_end() {
    let e = conformance::emulator::Emulator::start(Default::default()).await.unwrap();
    let a = &e.accounts[0];
    let (order, code) = example::first_esim(&e.base_url, &a.key, &a.secret, "FIRST_ESIM_TEST").await.unwrap();
    assert_eq!(order.status.as_str(), "DELIVERED");
    assert_eq!(order.client_reference.as_deref(), Some("FIRST_ESIM_TEST"));
    assert!(code.is_some_and(|c| c.reveal().starts_with("LPA:1$")), "the code was taken once, on delivery");
    assert!(order.activation_code.is_none(), "and is no longer in the order");
    assert_eq!(order.amount, "4.275".parse().unwrap(), "4.50 less the 5% client discount");
}
