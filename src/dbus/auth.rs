//! Who may call what, decided from the bus's credentials of the message's
//! sender (never from anything the caller sends).

use super::error::Error;
use crate::config::AuthConfig;
use nix::unistd::{Gid, Group, Uid, User};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use zbus::fdo::DBusProxy;
use zbus::message::Header;
use zbus::names::{BusName, OwnedUniqueName, UniqueName};

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

/// What the bus reported of a connection: fixed when it connected.
#[derive(Debug, Clone)]
struct Caller {
    uid: u32,
    gids: Option<Vec<u32>>,
}

/// Callers remembered; past this many the memory starts over.
const KNOWN_CALLERS: usize = 256;

/// How long the bus is first given to answer who a caller is; each retry
/// doubles it. Five tries: about 15 s in all.
const FIRST_WAIT: Duration = Duration::from_millis(500);
const TRIES: u32 = 5;

pub struct Authorizer {
    groups: Groups,
    bus: DBusProxy<'static>,
    // A unique name is never given twice and its credentials are those of
    // the connection, so a remembered answer stays true; it also spares a
    // round trip per call. Roles are still worked out on every call, from
    // the groups in effect.
    known: Mutex<HashMap<OwnedUniqueName, Caller>>,
}

impl Authorizer {
    pub async fn new(conn: &zbus::Connection, groups: Groups) -> zbus::Result<Self> {
        let bus = DBusProxy::builder(conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?;
        Ok(Authorizer {
            groups,
            bus,
            known: Mutex::new(HashMap::new()),
        })
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
        let Caller { uid, gids } = self.caller(sender).await?;
        if uid == 0 {
            let admin = Roles {
                admin: true,
                ..Roles::default()
            };
            return Ok((uid, admin));
        }
        let gids = match gids {
            Some(gids) => gids,
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

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<OwnedUniqueName, Caller>> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Who `sender` is, as the bus knows it. The bus drops its own answer
    /// when latchd's queue of incoming messages is full (a flood of large
    /// messages), so a question without an answer is asked again rather
    /// than awaited for ever with the caller's message held in memory.
    async fn caller(&self, sender: &UniqueName<'_>) -> Result<Caller, Error> {
        if let Some(caller) = self.known().get(sender) {
            return Ok(caller.clone());
        }
        let mut wait = FIRST_WAIT;
        for _ in 0..TRIES {
            let asked = self
                .bus
                .get_connection_credentials(BusName::Unique(sender.clone()));
            match tokio::time::timeout(wait, asked).await {
                Ok(Ok(creds)) => {
                    let uid = creds.unix_user_id().ok_or_else(Error::unauthorized)?;
                    let caller = Caller {
                        uid,
                        gids: creds.unix_group_ids().cloned(),
                    };
                    let mut known = self.known();
                    if known.len() >= KNOWN_CALLERS {
                        known.clear();
                    }
                    known.insert(sender.to_owned().into(), caller.clone());
                    return Ok(caller);
                }
                // The sender is gone, or the bus refused: nobody to serve.
                Ok(Err(_)) => return Err(Error::unauthorized()),
                Err(_) => wait *= 2,
            }
        }
        log::warn!(sender = sender.as_str(); "the bus did not say who called; refused as not logged in");
        Err(Error::unauthorized())
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
