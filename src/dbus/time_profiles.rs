//! `org.latchd.Panel1.TimeProfiles`: authorize, hand the request to the
//! store, translate the answer.

use super::audit::audited;
use super::auth::{Authorizer, Need};
use super::error::Error;
use crate::domain::schedule::ProfileBody;
use crate::store::Store;
use std::sync::Arc;
use zbus::interface;
use zbus::message::Header;

pub const PATH: &str = "/org/latchd/Panel1/TimeProfiles";
const WHAT: &str = "time profiles";

pub struct TimeProfilesObject {
    pub store: Store,
    pub auth: Arc<Authorizer>,
}

#[interface(
    name = "org.latchd.Panel1.TimeProfiles",
    proxy(
        default_service = "org.latchd.Panel1",
        default_path = "/org/latchd/Panel1/TimeProfiles",
        async_name = "TimeProfilesProxy",
        gen_blocking = false
    )
)]
impl TimeProfilesObject {
    /// Creates a time profile from a panel API body; returns its uid.
    #[zbus(out_args("uid"))]
    async fn create(&self, body: &str, #[zbus(header)] hdr: Header<'_>) -> Result<u32, Error> {
        audited(
            &self.auth,
            &hdr,
            WHAT,
            "Create",
            None,
            self.store.create_record::<ProfileBody>(body),
        )
        .await
    }

    /// The time profile as a JSON item, with the identifiers attached to it.
    #[zbus(out_args("item"))]
    async fn get(&self, uid: u32, #[zbus(header)] hdr: Header<'_>) -> Result<String, Error> {
        self.auth.check(&hdr, Need::Read).await?;
        Ok(self.store.get_record::<ProfileBody>(uid)?)
    }

    /// Replaces the time profile with the body; attachments stay.
    async fn update(
        &self,
        uid: u32,
        body: &str,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<(), Error> {
        let call = self.store.update_record::<ProfileBody>(uid, body);
        audited(&self.auth, &hdr, WHAT, "Update", Some(uid), call).await
    }

    /// Deletes the time profile and detaches it from every identifier.
    async fn delete(&self, uid: u32, #[zbus(header)] hdr: Header<'_>) -> Result<(), Error> {
        let call = self.store.delete_record::<ProfileBody>(uid);
        audited(&self.auth, &hdr, WHAT, "Delete", Some(uid), call).await
    }

    /// One page of time profiles for a JSON query.
    #[zbus(out_args("page"))]
    async fn list(&self, query: &str, #[zbus(header)] hdr: Header<'_>) -> Result<String, Error> {
        self.auth.check(&hdr, Need::Read).await?;
        Ok(self.store.list_records::<ProfileBody>(query).await?)
    }
}
