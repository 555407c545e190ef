//! Server functions of DICOMweb access tokens: list, issue (the secret comes back once), revoke.
//! Thin: the server's backend decides who may issue what.

use super::ApiError;
#[cfg(feature = "ssr")]
use super::ssr;
use domain::tokens::{IssuedToken, TokenInput, TokenView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// All tokens (administrators) or the caller's own.
#[server(endpoint = "list_tokens")]
pub async fn list_tokens() -> Result<Vec<TokenView>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.tokens(&user).await.map_err(ssr::fail)
}

/// Issues a token; its secret is in the answer and nowhere else.
#[server(endpoint = "issue_token", input = Json)]
pub async fn issue_token(input: TokenInput) -> Result<IssuedToken, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.create_token(&user, input).await.map_err(ssr::fail)
}

#[server(endpoint = "revoke_token", input = Json)]
pub async fn revoke_token(id: i64) -> Result<TokenView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.revoke_token(&user, id).await.map_err(ssr::fail)
}
