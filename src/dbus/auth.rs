//! Who may call what, decided from the bus's credentials of the message's
//! sender (never from anything the caller sends).

use super::error::Error;
use crate::config::AuthConfig;
use nix::unistd::{Gid, Group, Uid, User};
use std::sync::{Arc, RwLock};
use zbus::fdo::DBusProxy;
use zbus::message::Header;
use zbus::names::BusName;

/// What a method needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Mutations and everything else.
    Admin,
    /// Get, List, GetQr and properties.
    Read,
    /// Access.Present.
    Feed,
}

/// The roles a caller holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles {
    pub admin: bool,
    pub viewer: bool,
    pub feeder: bool,
}

impl Roles {
    /// The contract's rule: no role is `Log In`, a role that does not cover
    /// the method is `Administrator rights required`.
    pub fn allow(self, need: Need) -> Result<(), Error> {
        let allowed = self.admin
            || match need {
                Need::Admin => false,
                Need::Read => self.viewer,
                Need::Feed => self.feeder,
            };
        match (allowed, self.admin || self.viewer || self.feeder) {
            (true, _) => Ok(()),
            (false, true) => Err(Error::forbidden()),
            (false, false) => Err(Error::unauthorized()),
        }
    }
}

/// The role groups of `[auth]`, swapped whole when the configuration is
/// reloaded; every check reads the groups in effect at that moment.
#[derive(Clone, Default)]
pub struct Groups(Arc<RwLock<AuthConfig>>);

impl Groups {
    pub fn new(groups: AuthConfig) -> Groups {
        Groups(Arc::new(RwLock::new(groups)))
    }

    pub fn set(&self, groups: AuthConfig) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = groups;
    }

    pub fn get(&self) -> AuthConfig {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

pub struct Authorizer {
    groups: Groups,
    bus: DBusProxy<'static>,
}

impl Authorizer {
    pub async fn new(conn: &zbus::Connection, groups: Groups) -> zbus::Result<Self> {
        let bus = DBusProxy::builder(conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?;
        Ok(Authorizer { groups, bus })
    }

    /// Checks the sender of the message `hdr` against `need`; returns the
    /// caller's uid for the audit log.
    pub async fn check(&self, hdr: &Header<'_>, need: Need) -> Result<u32, Error> {
        let (uid, roles) = self.roles(hdr).await?;
        roles.allow(need)?;
        Ok(uid)
    }

    /// The caller's uid and roles.
    pub async fn roles(&self, hdr: &Header<'_>) -> Result<(u32, Roles), Error> {
        let sender = hdr.sender().ok_or_else(Error::unauthorized)?;
        let creds = self
            .bus
            .get_connection_credentials(BusName::Unique(sender.clone()))
            .await
            .map_err(|_| Error::unauthorized())?;
        let uid = creds.unix_user_id().ok_or_else(Error::unauthorized)?;
        if uid == 0 {
            let admin = Roles {
                admin: true,
                ..Roles::default()
            };
            return Ok((uid, admin));
        }
        let gids = match creds.unix_group_ids() {
            Some(gids) => gids.clone(),
            // Buses that do not report groups: the user's groups from the system.
            None => groups_of(uid),
        };
        let member = |names: &[String]| {
            names.iter().any(|name| {
                matches!(Group::from_name(name), Ok(Some(g)) if gids.contains(&g.gid.as_raw()))
            })
        };
        let groups = self.groups.get();
        let roles = Roles {
            admin: member(&groups.admin_groups),
            viewer: member(&groups.viewer_groups),
            feeder: member(&groups.feeder_groups),
        };
        Ok((uid, roles))
    }
}

fn groups_of(uid: u32) -> Vec<u32> {
    let Ok(Some(user)) = User::from_uid(Uid::from_raw(uid)) else {
        return Vec::new();
    };
    let Ok(name) = std::ffi::CString::new(user.name) else {
        return Vec::new();
    };
    nix::unistd::getgrouplist(&name, user.gid)
        .unwrap_or_else(|_| vec![user.gid])
        .into_iter()
        .map(Gid::as_raw)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_the_contract() {
        let none = Roles::default();
        let viewer = Roles {
            viewer: true,
            ..none
        };
        let feeder = Roles {
            feeder: true,
            ..none
        };
        let admin = Roles {
            admin: true,
            ..none
        };
        let name = |r: Result<(), Error>| match r {
            Ok(()) => "ok".to_string(),
            Err(Error::Unauthorized(m)) | Err(Error::Forbidden(m)) => m,
            Err(e) => format!("{e:?}"),
        };
        assert_eq!(name(none.allow(Need::Read)), "Log In");
        assert_eq!(name(none.allow(Need::Admin)), "Log In");
        assert_eq!(name(viewer.allow(Need::Read)), "ok");
        assert_eq!(
            name(viewer.allow(Need::Admin)),
            "Administrator rights required"
        );
        assert_eq!(
            name(viewer.allow(Need::Feed)),
            "Administrator rights required"
        );
        assert_eq!(name(feeder.allow(Need::Feed)), "ok");
        assert_eq!(
            name(feeder.allow(Need::Read)),
            "Administrator rights required"
        );
        for need in [Need::Admin, Need::Read, Need::Feed] {
            assert_eq!(name(admin.allow(need)), "ok");
        }
    }
}
