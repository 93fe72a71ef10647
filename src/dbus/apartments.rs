//! `org.latchd.Panel1.Apartments`: authorize, hand the request to the
//! store, translate the answer.

use super::audit::audited;
use super::auth::{Authorizer, Need};
use super::error::Error;
use crate::domain::apartment::ApartmentBody;
use crate::store::Store;
use std::sync::Arc;
use zbus::interface;
use zbus::message::Header;

pub const PATH: &str = "/org/latchd/Panel1/Apartments";
const WHAT: &str = "apartments";

pub struct ApartmentsObject {
    pub store: Store,
    pub auth: Arc<Authorizer>,
}

#[interface(
    name = "org.latchd.Panel1.Apartments",
    proxy(
        default_service = "org.latchd.Panel1",
        default_path = "/org/latchd/Panel1/Apartments",
        async_name = "ApartmentsProxy",
        gen_blocking = false
    )
)]
impl ApartmentsObject {
    /// Creates an apartment from a panel API body; returns its uid.
    #[zbus(out_args("uid"))]
    async fn create(&self, body: &str, #[zbus(header)] hdr: Header<'_>) -> Result<u32, Error> {
        audited(
            &self.auth,
            &hdr,
            WHAT,
            "Create",
            None,
            self.store.create_record::<ApartmentBody>(body),
        )
        .await
    }

    /// The apartment as a JSON item, with the identifiers bound to it.
    #[zbus(out_args("item"))]
    async fn get(&self, uid: u32, #[zbus(header)] hdr: Header<'_>) -> Result<String, Error> {
        self.auth.check(&hdr, Need::Read).await?;
        Ok(self.store.get_record::<ApartmentBody>(uid)?)
    }

    /// Replaces the apartment with the body; bindings stay.
    async fn update(
        &self,
        uid: u32,
        body: &str,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<(), Error> {
        let call = self.store.update_record::<ApartmentBody>(uid, body);
        audited(&self.auth, &hdr, WHAT, "Update", Some(uid), call).await
    }

    /// Deletes the apartment and unbinds its identifiers.
    async fn delete(&self, uid: u32, #[zbus(header)] hdr: Header<'_>) -> Result<(), Error> {
        let call = self.store.delete_record::<ApartmentBody>(uid);
        audited(&self.auth, &hdr, WHAT, "Delete", Some(uid), call).await
    }

    /// One page of apartments for a JSON query.
    #[zbus(out_args("page"))]
    async fn list(&self, query: &str, #[zbus(header)] hdr: Header<'_>) -> Result<String, Error> {
        self.auth.check(&hdr, Need::Read).await?;
        Ok(self.store.list_records::<ApartmentBody>(query).await?)
    }

    /// Binds an identifier to the apartment (moving it from another).
    async fn bind_identifier(
        &self,
        apartment_uid: u32,
        identifier_uid: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<(), Error> {
        let call = self.store.bind(apartment_uid, identifier_uid);
        audited(
            &self.auth,
            &hdr,
            WHAT,
            "BindIdentifier",
            Some(apartment_uid),
            call,
        )
        .await
    }

    /// Unbinds an identifier from its apartment; a no-op when unbound.
    async fn unbind_identifier(
        &self,
        identifier_uid: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<(), Error> {
        let call = self.store.unbind(identifier_uid);
        audited(&self.auth, &hdr, WHAT, "UnbindIdentifier", None, call).await
    }
}
