//! The audit line of a mutation of time profiles and apartments: method,
//! caller and the uid it concerns, whether it was done or refused.

use super::auth::{Authorizer, Need};
use super::error::Error;
use crate::store::StoreError;
use std::future::Future;
use zbus::message::Header;

/// A uid a mutation made or concerned, for the audit line.
pub trait Made {
    fn uid(&self) -> Option<u32>;
}

impl Made for () {
    fn uid(&self) -> Option<u32> {
        None
    }
}

impl Made for u32 {
    fn uid(&self) -> Option<u32> {
        Some(*self)
    }
}

impl Made for Vec<u32> {
    fn uid(&self) -> Option<u32> {
        None
    }
}

/// Runs `call` for an admin caller and logs it: `what` names the table
/// ("time profiles", "apartments"), `target` the uid the call is about.
pub async fn audited<T: Made>(
    auth: &Authorizer,
    hdr: &Header<'_>,
    what: &'static str,
    method: &'static str,
    target: Option<u32>,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, Error> {
    let caller = auth.check(hdr, Need::Admin).await?;
    let result = call.await.map_err(Error::from);
    let target = target.map_or(-1, i64::from);
    match &result {
        Ok(made) => log::info!(
            method = method,
            caller_uid = caller,
            table = what,
            uid = made.uid().map_or(target, i64::from);
            "{what} changed"
        ),
        Err(e) => log::info!(
            method = method,
            caller_uid = caller,
            table = what,
            uid = target,
            error = zbus::DBusError::description(e).unwrap_or("");
            "{what} change refused"
        ),
    }
    result
}
