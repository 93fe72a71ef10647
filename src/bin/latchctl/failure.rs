//! What went wrong, as printed on standard error, and the exit status.

use latchd::dbus::Error;
use zbus::DBusError;

#[derive(Debug)]
pub enum Failure {
    /// An error reply: the D-Bus error name and message as sent.
    Reply {
        name: String,
        message: String,
        notes: Vec<String>,
    },
    /// Anything else, with its exit status.
    Local { status: u8, message: String },
    /// Standard output was closed (`latchctl ... | head`): stop quietly.
    Closed,
}

impl Failure {
    pub fn local(message: impl Into<String>) -> Failure {
        Failure::Local {
            status: 1,
            message: message.into(),
        }
    }

    pub fn reply(name: &str, message: &str) -> Failure {
        Failure::Reply {
            name: name.to_string(),
            message: message.to_string(),
            notes: Vec::new(),
        }
    }

    /// Adds a line said after the error.
    pub fn note(mut self, note: impl Into<String>) -> Failure {
        if let Failure::Reply { notes, .. } = &mut self {
            notes.push(note.into());
        }
        self
    }

    pub fn status(&self) -> u8 {
        match self {
            Failure::Reply { name, .. } => status_of(name),
            Failure::Local { status, .. } => *status,
            Failure::Closed => 0,
        }
    }

    /// The lines for standard error, each to be prefixed with `latchctl: `.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Failure::Reply {
                name,
                message,
                notes,
            } => {
                let mut lines = vec![format!("{name}: {message}")];
                lines.extend(notes.iter().cloned());
                if let Some(hint) = hint(status_of(name)) {
                    lines.push(hint.to_string());
                }
                lines
            }
            Failure::Local { message, .. } => vec![message.clone()],
            Failure::Closed => Vec::new(),
        }
    }
}

/// The exit status for a D-Bus error name.
pub fn status_of(name: &str) -> u8 {
    match name {
        "org.latchd.Panel1.Error.BadRequest" => 3,
        "org.latchd.Panel1.Error.Unauthorized" | "org.freedesktop.DBus.Error.AccessDenied" => 4,
        "org.latchd.Panel1.Error.Forbidden" => 5,
        "org.latchd.Panel1.Error.NotFound" => 6,
        "org.latchd.Panel1.Error.StorageFailed" => 7,
        "org.freedesktop.DBus.Error.ServiceUnknown"
        | "org.freedesktop.DBus.Error.NameHasNoOwner" => 8,
        "org.latchd.Panel1.Error.HardwareFailed" => 10,
        _ => 9,
    }
}

fn hint(status: u8) -> Option<&'static str> {
    match status {
        4 => Some(
            "latchd gives you no role: call as root or as a member of one of its groups \
             ([auth] in latchd.toml; latchd-admin, latchd-view, latchd-feed by default)",
        ),
        5 => Some("this needs an administrator: root or a member of latchd's admin groups"),
        8 => Some("is latchd running? Nobody owns org.latchd.Panel1 on this bus"),
        10 => Some("the door did not open: check the relay and its wiring (journalctl -u latchd)"),
        _ => None,
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        match e {
            Error::ZBus(e) => from_zbus(e),
            other => {
                let (name, message) = other.name_and_message();
                Failure::reply(&name, &message)
            }
        }
    }
}

impl From<zbus::Error> for Failure {
    fn from(e: zbus::Error) -> Failure {
        from_zbus(e)
    }
}

impl From<zbus::fdo::Error> for Failure {
    fn from(e: zbus::fdo::Error) -> Failure {
        match e {
            zbus::fdo::Error::ZBus(e) => from_zbus(e),
            other => Failure::reply(other.name().as_str(), other.description().unwrap_or("")),
        }
    }
}

/// zbus's errors: a reply (also one a property read got, which zbus gives
/// as a standard `fdo` error), or the bus connection failing.
fn from_zbus(e: zbus::Error) -> Failure {
    match e {
        zbus::Error::MethodError(..) => {
            let (name, message) = Error::ZBus(e).name_and_message();
            Failure::reply(&name, &message)
        }
        zbus::Error::FDO(e) => Failure::from(*e),
        zbus::Error::InputOutput(e) => Failure::local(format!("the bus connection failed: {e}")),
        other => Failure::Local {
            status: 9,
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_class_has_its_status() {
        let cases = [
            (Error::BadRequest("Wrong JSON body".into()), 3),
            (Error::unauthorized(), 4),
            (Error::forbidden(), 5),
            (
                Error::NotFound("This feature is disabled on your device".into()),
                6,
            ),
            (Error::StorageFailed("disk".into()), 7),
            (Error::hardware_failed(), 10),
        ];
        for (e, status) in cases {
            assert_eq!(Failure::from(e).status(), status);
        }
        let denied = zbus::Error::FDO(Box::new(zbus::fdo::Error::AccessDenied("Log In".into())));
        let f = Failure::from(denied);
        assert_eq!(f.status(), 4);
        assert_eq!(
            f.lines()[0],
            "org.freedesktop.DBus.Error.AccessDenied: Log In"
        );
        let unknown = zbus::fdo::Error::ServiceUnknown("gone".into());
        assert_eq!(Failure::from(unknown).status(), 8);
        assert_eq!(status_of("org.freedesktop.DBus.Error.UnknownMethod"), 9);
    }
}
