//! Every check can fail: each runs against an emulator that breaks exactly its rule, and must fail with a
//! message naming the rule, the operation and the request id.

use conformance::emulator::{Break, Config};
use conformance::runner::{self, Host, Options, Status};

/// (check, the rule break that must make it fail, an operation its message must name).
const TABLE: &[(&str, Break, &str)] = &[
    ("paging.headers", Break::PagingHeaderMissing, "list_"),
    ("paging.consistency", Break::PagingPageSizeWrong, "list_"),
    ("paging.consistency", Break::PagingHasMoreWrong, "list_"),
    ("paging.walk", Break::PagingOverlap, "list_"),
    ("paging.past_end", Break::PagingPastEndNotEmpty, "list_"),
    ("errors.bad_id", Break::BadIdNotFound, "get_esim_product"),
    ("errors.bad_id", Break::ErrorEnvelopeMalformed, "get_esim_product"),
    ("errors.no_token", Break::NoTokenAccepted, "list_wallets"),
    ("errors.revoked_refresh", Break::RevokedRefreshAccepted, "refresh_token"),
    ("errors.not_found", Break::BlacklistVisible, "get_esim_product"),
    ("errors.duplicate_reference", Break::DuplicateReferenceAccepted, "create_esim_order"),
    ("errors.page_size", Break::PageSizeUnchecked, "list_wallets"),
    ("errors.rate_limit", Break::RateLimitWithoutRetryAfter, "list_currencies"),
    ("branching.esim", Break::FailedAtOnceNotRefunded, "list_transactions"),
    ("branching.esim", Break::FailedAfterPendingNotRefunded, "list_transactions"),
    ("branching.esim", Break::RefundFailed, "list_transactions"),
    ("branching.voucher_mode", Break::VoucherModeWrong, "create_voucher_order"),
    ("branching.topup", Break::PendingNeverSettles, "get_topup_order"),
    ("branching.activation_code", Break::ActivationCodeInList, "list_esim_orders"),
    ("branching.activation_code", Break::ActivationCodeAfterInstall, "get_esim_order"),
    ("money.echo_amount", Break::OrderAmountDrift, "create_esim_order"),
    ("money.charges_math", Break::ChargesMathWrong, "calculate_esim_charges"),
    ("money.charges_math", Break::ChargesRounded, "calculate_esim_charges"),
    ("money.charges_math", Break::ChargesDiscountRounded, "calculate_esim_charges"),
    ("schema.responses", Break::SchemaMissingRequired, "list_esim_products"),
    ("schema.responses", Break::SchemaWrongType, "list_esim_products"),
    ("request_id.echo", Break::RequestIdNotEchoed, "list_currencies"),
    ("request_id.present", Break::RequestIdMissing, "list_currencies"),
];

async fn run_one(check: &str, config: Config) -> runner::CheckResult {
    let opts = Options { checks: vec![check.into()], ..Options::new(Host::Local(config)) };
    let run = runner::run(opts, |_| {}).await.expect("the run starts");
    run.report.results.into_iter().next().expect("one result")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_fails_on_a_host_that_breaks_its_rule() {
    let ids: std::collections::BTreeSet<&str> = conformance::checks::all().iter().map(|c| c.id).collect();
    let covered: std::collections::BTreeSet<&str> = TABLE.iter().map(|t| t.0).collect();
    assert_eq!(ids, covered, "every check has a rule break in the table");
    for (check, rule_break, operation) in TABLE {
        let clean = run_one(check, Config::fast()).await;
        assert_eq!(clean.status, Status::Pass, "{check} passes on a faithful host: {:?}", clean.message);
        let broken = run_one(check, Config::fast().with_break(*rule_break)).await;
        let message = broken.message.clone().unwrap_or_default();
        assert_eq!(broken.status, Status::Fail, "{check} must fail under {rule_break:?}");
        assert!(message.starts_with(&format!("[{check}]")), "{check} under {rule_break:?} names its rule: {message}");
        assert!(message.contains(operation), "{check} under {rule_break:?} names the operation {operation}: {message}");
        if *rule_break != Break::RequestIdMissing {
            assert!(message.contains("(request id "), "{check} under {rule_break:?} names the request id: {message}");
            assert_eq!(broken.request_ids.len(), 1);
        }
    }
}

#[tokio::test]
async fn an_undocumented_field_is_drift_not_failure() {
    let r = run_one("schema.responses", Config::fast().with_break(Break::SchemaUndocumentedField)).await;
    assert_eq!(r.status, Status::Pass, "{:?}", r.message);
    assert!(
        r.warnings.iter().any(|w| w.contains("list_esim_products") && w.contains("popularity is not in the spec")),
        "{:?}",
        r.warnings
    );
}
