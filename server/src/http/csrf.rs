//! CSRF defence for state-changing requests (OWASP "verify origin with standard headers"): a POST,
//! PUT, PATCH or DELETE must carry an `Origin` (or, failing that, a `Referer`) whose origin is
//! this server's, either the request's own host or the configured public URL. Together with
//! `SameSite=Lax` session cookies this refuses cross-site form posts and fetches.

use crate::state::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode, header};

/// `scheme://host[:port]` of a URL, lower-cased.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| {
        format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase()
        )
    })
}

fn host_of(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, h)| h)
}

/// Whether the request's claimed origin is ours.
pub fn same_origin(req_host: Option<&str>, public_url: &str, claimed: Option<&str>) -> bool {
    let Some(claimed) = claimed.and_then(origin_of) else {
        return false;
    };
    if origin_of(public_url).as_deref() == Some(claimed.as_str()) {
        return true;
    }
    match (req_host, host_of(&claimed)) {
        (Some(h), Some(c)) => h.eq_ignore_ascii_case(c),
        _ => false,
    }
}

pub async fn check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    let claimed = h
        .get(header::ORIGIN)
        .or_else(|| h.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    if same_origin(host, &state.config.server.public_url, claimed) {
        next.run(req).await
    } else {
        tracing::warn!(origin = ?claimed, host = ?host, "cross-site request refused");
        let body = Json(serde_json::json!({ "error": "cross-site request refused" }));
        (StatusCode::FORBIDDEN, body).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let pu = "https://passerelle.example.qc.ca";
        assert!(same_origin(
            Some("127.0.0.1:3000"),
            pu,
            Some("http://127.0.0.1:3000")
        ));
        assert!(same_origin(
            None,
            pu,
            Some("https://passerelle.example.qc.ca")
        ));
        assert!(same_origin(
            Some("x"),
            pu,
            Some("https://PASSERELLE.example.qc.ca/admin?x")
        ));
        assert!(!same_origin(
            Some("127.0.0.1:3000"),
            pu,
            Some("http://evil.example")
        ));
        assert!(!same_origin(Some("127.0.0.1:3000"), pu, Some("null")));
        assert!(!same_origin(Some("127.0.0.1:3000"), pu, None));
    }
}
