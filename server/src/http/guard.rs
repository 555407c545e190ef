//! Page guard: a signed-out visitor asking for a page is sent to the sign-in page (and back after);
//! a signed-in user asking for the sign-in page is sent home. Server functions and the JSON API
//! check authentication themselves.

use app::backend::RequestCtx;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::Method;

fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path.starts_with("/pkg/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.')))
}

/// Percent-encodes a path for the `next` query parameter.
fn encode(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn pages(req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) || !is_page(req.uri().path()) {
        return next.run(req).await;
    }
    let signed_in = req
        .extensions()
        .get::<RequestCtx>()
        .is_some_and(|c| c.user.is_some());
    let path = req.uri().path();
    match (signed_in, path == "/login") {
        (false, false) => Redirect::to(&format!("/login?next={}", encode(path))).into_response(),
        (true, true) => Redirect::to("/").into_response(),
        _ => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_encoding() {
        assert!(is_page("/admin/users"));
        assert!(!is_page("/api/login"));
        assert!(!is_page("/pkg/passerelle.js"));
        assert!(!is_page("/favicon.ico"));
        assert_eq!(encode("/admin/users?x=1"), "/admin/users%3Fx%3D1");
    }
}
