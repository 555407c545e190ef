//! DICOMweb errors as PS3.18 answers them (§8.5: 400 with a reason, 401, 403, 404, 406, 409,
//! 413, 415, 429, 503), with a short text reason and never an internal detail.

use app::api::ApiError;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

#[derive(Debug, thiserror::Error)]
pub enum DwError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("too many attempts; retry in {0} s")]
    RateLimited(u64),
    #[error("not allowed")]
    Forbidden,
    #[error("these credentials may read but not upload (STOW-RS)")]
    UploadNotAllowed,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("none of the accepted media types can be returned: {0}")]
    NotAcceptable(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("request larger than {0} MiB")]
    TooLarge(u32),
    #[error("internal error")]
    Internal,
}

impl DwError {
    /// Logs the cause and hides it.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "DICOMweb request failed");
        DwError::Internal
    }

    pub fn from_api(e: ApiError) -> Self {
        match e {
            ApiError::RateLimited { retry_after_secs } => DwError::RateLimited(retry_after_secs),
            ApiError::Forbidden => DwError::Forbidden,
            ApiError::NotFound => DwError::NotFound,
            ApiError::Invalid(why) => DwError::BadRequest(why),
            ApiError::Internal => DwError::Internal,
            _ => DwError::Unauthenticated,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            DwError::Unauthenticated => StatusCode::UNAUTHORIZED,
            DwError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            DwError::Forbidden | DwError::UploadNotAllowed => StatusCode::FORBIDDEN,
            DwError::NotFound => StatusCode::NOT_FOUND,
            DwError::BadRequest(_) => StatusCode::BAD_REQUEST,
            DwError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            DwError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            DwError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            DwError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<crate::db::RepoError> for DwError {
    fn from(e: crate::db::RepoError) -> Self {
        match e {
            crate::db::RepoError::NotFound => DwError::NotFound,
            other => DwError::internal(other),
        }
    }
}

impl From<crate::db::index_query::QueryError> for DwError {
    fn from(e: crate::db::index_query::QueryError) -> Self {
        match e {
            crate::db::index_query::QueryError::Key(why) => DwError::BadRequest(why),
            other => DwError::internal(other),
        }
    }
}

impl IntoResponse for DwError {
    fn into_response(self) -> Response {
        let mut res = (self.status(), self.to_string()).into_response();
        let h = res.headers_mut();
        match &self {
            DwError::Unauthenticated => {
                h.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        "Bearer realm=\"passerelle\", Basic realm=\"passerelle\"",
                    ),
                );
            }
            DwError::RateLimited(s) => {
                if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                    h.insert(header::RETRY_AFTER, v);
                }
            }
            _ => {}
        }
        res
    }
}
