//! Authentication: argon2id passwords, sign-in rate limits, the database session store, and the
//! middleware that resolves who is signed in on each request.

pub mod limiter;
pub mod password;
pub mod session;
pub mod store;

pub use limiter::LoginLimiter;
pub use store::DbSessionStore;
