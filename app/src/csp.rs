//! The Content-Security-Policy of every page: scripts only from this origin or carrying this
//! response's nonce (the hydration and streaming scripts Leptos writes inline), WebAssembly
//! allowed to compile, nothing framed, no plugins, forms posting only here.

use leptos::prelude::*;

/// The policy for a page whose inline scripts carry `nonce`.
pub fn policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page's policy header from the nonce leptos_axum generated for this response.
/// Without a nonce (which leptos_axum always provides) the header is left to the server's
/// default, which allows no script at all rather than any.
pub fn set_header() {
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let Some(res) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(&policy(&nonce.to_string())) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::policy;

    #[test]
    fn the_policy_names_the_nonce_and_allows_no_inline_script_without_it() {
        let p = policy("abc123");
        assert!(p.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!p.contains("unsafe-inline"));
        assert!(p.contains("frame-ancestors 'none'"));
    }
}
