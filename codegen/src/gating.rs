//! Which cargo feature compiles what: one feature per operations module (a tag), so a crate generated from a
//! GitHub-size spec costs its user only the tags they call.
//!
//! An operation compiles with its module's feature. A named type compiles when any module whose operations
//! reach it is on; a type that no operation reaches (a webhook payload, say) compiles with `full`. A module
//! whose operations call another module's at run time (the token lifecycle's login, an idempotent create's
//! lookup) turns that module's feature on too, so every enabled operation works, not only compiles. Webhook
//! verification and the payload types of `x-webhooks` compile with `webhooks`.

use crate::model::Api;
use std::collections::{BTreeMap, BTreeSet};

/// The feature that turns every module on (and is on by default).
pub const FULL: &str = "full";
/// The feature of webhook verification and the webhook payload types (`x-webhooks`); when the spec also has
/// operations tagged `webhooks`, their module shares it.
pub const WEBHOOKS: &str = "webhooks";

/// The crate's feature plan.
#[derive(Debug, Default, Clone)]
pub struct Gates {
    /// Every operations module (its feature has the same name), with the other modules it turns on; and
    /// [`WEBHOOKS`] when the spec describes webhooks.
    pub modules: BTreeMap<String, BTreeSet<String>>,
    /// Per named type, the modules whose operations reach it; absent: none does.
    pub users: BTreeMap<String, BTreeSet<String>>,
    /// The features that are operations modules (all of `modules` but a `webhooks` without operations).
    pub operation_modules: BTreeSet<String>,
    /// The modules of the token lifecycle's operations: the crate's `AUTH` flow exists when all are on.
    pub session: BTreeSet<String>,
    /// The modules whose operations stream pages: the paging runtime compiles with any of them.
    pub streaming: BTreeSet<String>,
}

impl Gates {
    /// The modules whose feature compiles `type_name`; empty: only `full` does.
    pub fn users_of(&self, type_name: &str) -> Option<&BTreeSet<String>> {
        self.users.get(type_name)
    }
}

/// The modules of the token lifecycle's operations (login, refresh, logout).
fn session_modules(api: &Api) -> BTreeSet<String> {
    let Some(a) = &api.auth else { return BTreeSet::new() };
    let methods = [Some(&a.login), a.refresh.as_ref(), a.logout.as_ref()];
    let methods: BTreeSet<&String> = methods.into_iter().flatten().collect();
    api.operations.iter().filter(|o| methods.contains(&o.method_name)).map(|o| o.module.clone()).collect()
}

/// Plans the features of the crate `api` becomes.
pub fn plan(api: &Api) -> Gates {
    let module_of: BTreeMap<&str, &str> =
        api.operations.iter().map(|o| (o.method_name.as_str(), o.module.as_str())).collect();
    let mut modules: BTreeMap<String, BTreeSet<String>> =
        api.operations.iter().map(|o| (o.module.clone(), BTreeSet::new())).collect();

    // The token lifecycle's operations are called by the client itself before any secured call.
    let session = session_modules(api);
    for op in &api.operations {
        let mut needs: BTreeSet<String> = BTreeSet::new();
        if op.secure {
            needs.extend(session.iter().cloned());
        }
        if let Some(i) = &op.idempotency {
            let called = std::iter::once(&i.lookup).chain(i.read.as_ref().map(|(m, _)| m));
            needs.extend(called.filter_map(|m| module_of.get(m.as_str()).map(|s| s.to_string())));
        }
        needs.remove(&op.module);
        modules.entry(op.module.clone()).or_default().extend(needs);
    }

    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in &api.operations {
        for name in api.reachable(op.type_roots()) {
            users.entry(name).or_default().insert(op.module.clone());
        }
    }
    let operation_modules = modules.keys().cloned().collect();
    if api.webhook_signature.is_some() || !api.webhook_payloads.is_empty() {
        modules.entry(WEBHOOKS.to_string()).or_default();
        for name in api.reachable(&api.webhook_payloads) {
            users.entry(name).or_default().insert(WEBHOOKS.to_string());
        }
    }
    let streaming = api.operations.iter().filter(|o| o.stream_name.is_some()).map(|o| o.module.clone()).collect();
    Gates { modules, users, operation_modules, session, streaming }
}
