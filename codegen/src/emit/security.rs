//! Emits the crate's `security` module (one constant per security scheme, and `SCHEMES`), a `ClientBuilder`
//! setter per scheme, and each operation's requirement (`OperationInfo::security`).

use super::tokens::ident;
use crate::model::{Api, Operation};
use crate::security::{KeyIn, Kind, Scheme};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// `OperationInfo::security`: the alternatives, each the schemes it needs together.
pub fn requirement(api: &Api, op: &Operation) -> TokenStream {
    let Some(alternatives) = api.security.requirements.get(&op.id) else { return quote!(&[]) };
    let alternatives = alternatives.iter().map(|alt| {
        let schemes = alt.iter().map(|&i| {
            let c = format_ident!("{}", api.security.schemes[i].constant);
            quote!(&crate::security::#c)
        });
        quote!(&[#(#schemes),*])
    });
    quote!(&[#(#alternatives),*])
}

fn what(s: &Scheme) -> String {
    match &s.kind {
        Kind::ApiKey { location, name } => {
            let place = match location {
                KeyIn::Header => "header",
                KeyIn::Query => "query parameter",
                KeyIn::Cookie => "cookie",
            };
            format!("an API key, sent in the `{name}` {place}")
        }
        Kind::Basic => "HTTP basic authentication: a user name and password".into(),
        Kind::Bearer => "an HTTP bearer token".into(),
        Kind::OAuth2 { token_url: Some(url), scopes, .. } => {
            let scopes = if scopes.is_empty() { String::new() } else { format!(" (scopes: {})", scopes.join(", ")) };
            format!(
                "OAuth2: the client fetches its token from `{url}` with a client id and secret{scopes} ([`crate::Credential::client_credentials`]), or sends a bearer token you supply"
            )
        }
        Kind::OAuth2 { flows, .. } => format!(
            "OAuth2 ({}): the client does not run these flows; give it the bearer token they grant (`crate::Credential::bearer` or `bearer_provider`)",
            flows.join(", ")
        ),
        Kind::OpenIdConnect => {
            "OpenID Connect: give the client the bearer token your provider grants (`crate::Credential::bearer` or `bearer_provider`)".into()
        }
        Kind::Session => {
            "the token lifecycle: set with [`crate::ClientBuilder::credentials`] or [`crate::ClientBuilder::bearer_token`]"
                .into()
        }
    }
}

/// The `security` module and the setters, for `lib.rs`.
pub fn items(api: &Api) -> TokenStream {
    let skip = quote!(#[rustfmt::skip]);
    let consts = api.security.schemes.iter().map(|s| {
        let c = format_ident!("{}", s.constant);
        let name = &s.name;
        let kind = match &s.kind {
            Kind::ApiKey { location, name } => {
                let l = match location {
                    KeyIn::Header => quote!(Header),
                    KeyIn::Query => quote!(Query),
                    KeyIn::Cookie => quote!(Cookie),
                };
                quote!(ApiKey { location: crate::credentials::ApiKeyIn::#l, name: #name })
            }
            Kind::Basic => quote!(Basic),
            Kind::Bearer => quote!(Bearer),
            Kind::OAuth2 { token_url, .. } => {
                let url = match token_url {
                    Some(u) => quote!(Some(#u)),
                    None => quote!(None),
                };
                quote!(OAuth2 { token_url: #url })
            }
            Kind::OpenIdConnect => quote!(OpenIdConnect),
            Kind::Session => quote!(Session),
        };
        let d = format!(" `{name}`: {}.", what(s));
        let extra = s.description.as_deref().map(|t| format!(" {}", t.trim().replace('\n', " ")));
        let extra = extra.iter().map(|e| quote!(#[doc = ""] #[doc = #e]));
        quote! {
            #[doc = #d]
            #(#extra)*
            pub const #c: crate::credentials::SecurityScheme =
                crate::credentials::SecurityScheme { name: #name, kind: crate::credentials::SecuritySchemeKind::#kind };
        }
    });
    let all = api.security.schemes.iter().map(|s| format_ident!("{}", s.constant));
    let setters: Vec<TokenStream> = api.security.schemes.iter().filter_map(|s| {
        let m = ident(s.method.as_deref()?);
        let c = format_ident!("{}", s.constant);
        let d = format!(" Sets the credential of `{}`: {}.", s.name, what(s));
        Some(match &s.kind {
            Kind::ApiKey { .. } => quote! {
                #[doc = #d]
                pub fn #m(self, key: impl Into<String>) -> Self {
                    self.credential(security::#c.name, credentials::Credential::api_key(key))
                }
            },
            Kind::Basic => quote! {
                #[doc = #d]
                pub fn #m(self, username: impl Into<String>, password: impl Into<String>) -> Self {
                    self.credential(security::#c.name, credentials::Credential::basic(username, password))
                }
            },
            Kind::Bearer => quote! {
                #[doc = #d]
                #[doc = " For a token that changes, give a provider: `.credential(name, Credential::bearer_provider(..))`."]
                pub fn #m(self, token: impl Into<String>) -> Self {
                    self.credential(security::#c.name, credentials::Credential::bearer(token))
                }
            },
            _ => quote! {
                #[doc = #d]
                pub fn #m(self, credential: impl Into<credentials::Credential>) -> Self {
                    self.credential(security::#c.name, credential)
                }
            },
        })
    }).collect();
    let setters = (!setters.is_empty()).then(|| quote!(#skip impl client::ClientBuilder { #(#setters)* }));
    quote! {
        #[doc = " The security schemes the spec declares (`components/securitySchemes`), as the client applies them."]
        #[doc = " Set a credential with the [`crate::ClientBuilder`] method named after the scheme, or with"]
        #[doc = " [`crate::ClientBuilder::credential`]; each operation then sends what its `security` asks for."]
        #skip pub mod security {
            #(#consts)*
            #[doc = " Every scheme above."]
            pub const SCHEMES: &[&crate::credentials::SecurityScheme] = &[#(&#all),*];
        }
        #setters
    }
}
