//! Sign-in rate limits (governor, GCRA): failed attempts are counted per account and per client
//! address. A blocked key answers 429 with `Retry-After`; blocks lift by themselves as the quota
//! refills. An address from which the account signed in successfully recently is exempt from the
//! per-account block, so an attacker hammering a user name cannot keep its owner out.

use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

/// How long a successful sign-in makes an address trusted for that account.
const TRUST: Duration = Duration::from_secs(30 * 24 * 3600);

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

pub struct LoginLimiter {
    accounts: Keyed<String>,
    addresses: Keyed<IpAddr>,
    blocked_accounts: DashMap<String, Instant>,
    blocked_addresses: DashMap<IpAddr, Instant>,
    trusted: DashMap<(String, IpAddr), Instant>,
    clock: DefaultClock,
}

fn quota(burst: u32, refill_secs: u32) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    let period = Duration::from_secs(u64::from(refill_secs.max(1)));
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
        .allow_burst(burst)
}

fn remaining(map_value: Option<Instant>) -> Option<Duration> {
    let until = map_value?;
    let now = Instant::now();
    (until > now).then(|| until - now)
}

impl LoginLimiter {
    pub fn new(
        account_burst: u32,
        account_refill_secs: u32,
        address_burst: u32,
        address_refill_secs: u32,
    ) -> Self {
        Self {
            accounts: RateLimiter::keyed(quota(account_burst, account_refill_secs))
                .with_middleware::<StateInformationMiddleware>(),
            addresses: RateLimiter::keyed(quota(address_burst, address_refill_secs))
                .with_middleware::<StateInformationMiddleware>(),
            blocked_accounts: DashMap::new(),
            blocked_addresses: DashMap::new(),
            trusted: DashMap::new(),
            clock: DefaultClock::default(),
        }
    }

    fn is_trusted(&self, account: &str, ip: IpAddr) -> bool {
        self.trusted
            .get(&(account.to_owned(), ip))
            .is_some_and(|t| t.elapsed() < TRUST)
    }

    /// `Some(wait)` if this attempt must be refused now.
    pub fn check(&self, account: &str, ip: IpAddr) -> Option<Duration> {
        let by_ip = remaining(self.blocked_addresses.get(&ip).map(|v| *v));
        let by_account = if self.is_trusted(account, ip) {
            None
        } else {
            remaining(self.blocked_accounts.get(account).map(|v| *v))
        };
        by_ip.into_iter().chain(by_account).max()
    }

    /// Counts a failed attempt; once a key's burst is spent, it is blocked until one more
    /// attempt is allowed again.
    pub fn record_failure(&self, account: &str, ip: IpAddr) {
        if let Some(wait) = self.spend(&self.accounts, &account.to_owned()) {
            self.blocked_accounts
                .insert(account.to_owned(), Instant::now() + wait);
        }
        if let Some(wait) = self.spend(&self.addresses, &ip) {
            self.blocked_addresses.insert(ip, Instant::now() + wait);
        }
    }

    /// Takes one cell; returns how long the key must wait if none is left.
    fn spend<K: Clone + Eq + std::hash::Hash>(
        &self,
        limiter: &Keyed<K>,
        key: &K,
    ) -> Option<Duration> {
        match limiter.check_key(key) {
            Ok(snapshot) if snapshot.remaining_burst_capacity() == 0 => {
                Some(snapshot.quota().replenish_interval())
            }
            Ok(_) => None,
            Err(not_until) => Some(not_until.wait_time_from(self.clock.now())),
        }
    }

    /// Remembers the address as trusted for this account.
    pub fn record_success(&self, account: &str, ip: IpAddr) {
        self.trusted
            .insert((account.to_owned(), ip), Instant::now());
    }

    /// Drops expired entries (called periodically).
    pub fn prune(&self) {
        let now = Instant::now();
        self.blocked_accounts.retain(|_, until| *until > now);
        self.blocked_addresses.retain(|_, until| *until > now);
        self.trusted.retain(|_, t| t.elapsed() < TRUST);
        self.accounts.retain_recent();
        self.addresses.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn account_blocks_after_burst_and_trusted_address_is_exempt() {
        let l = LoginLimiter::new(3, 60, 100, 1);
        l.record_success("alice", ip(1));
        for _ in 0..4 {
            l.record_failure("alice", ip(2));
        }
        let wait = l.check("alice", ip(2)).expect("blocked");
        assert!(wait <= Duration::from_secs(60));
        assert!(
            l.check("alice", ip(1)).is_none(),
            "the owner's usual address still gets in"
        );
        assert!(
            l.check("bob", ip(2)).is_none(),
            "other accounts are not blocked"
        );
    }

    #[test]
    fn address_blocks_across_accounts() {
        let l = LoginLimiter::new(100, 1, 3, 60);
        for n in 0..4 {
            l.record_failure(&format!("user{n}"), ip(9));
        }
        assert!(l.check("someone", ip(9)).is_some());
        assert!(l.check("someone", ip(8)).is_none());
    }

    #[test]
    fn blocks_lift_by_themselves() {
        let l = LoginLimiter::new(1, 1, 100, 1);
        l.record_failure("carol", ip(3));
        l.record_failure("carol", ip(3));
        assert!(l.check("carol", ip(3)).is_some());
        std::thread::sleep(Duration::from_millis(1100));
        l.prune();
        assert!(l.check("carol", ip(3)).is_none());
    }
}
