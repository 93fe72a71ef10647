//! The D-Bus errors of the contract: the class is the error name, the message
//! is the panel API's exact string.

use crate::store::StoreError;

#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.latchd.Panel1.Error")]
pub enum Error {
    #[zbus(error)]
    ZBus(zbus::Error),
    /// HTTP 400: the request is wrong; the message says how.
    BadRequest(String),
    /// HTTP 401: the caller has no role (`Log In`).
    Unauthorized(String),
    /// HTTP 403: the caller's role does not allow this (`Administrator rights required`).
    Forbidden(String),
    /// HTTP 404: `This feature is disabled on your device`.
    NotFound(String),
    /// Not in the panel API: the mutation could not be made durable and was not applied.
    StorageFailed(String),
    /// Not in the panel API: a lock's relay could not be driven
    /// (`Relay could not be driven`); the lock did not open.
    HardwareFailed(String),
}

impl Error {
    pub fn unauthorized() -> Self {
        Error::Unauthorized("Log In".into())
    }
    pub fn forbidden() -> Self {
        Error::Forbidden("Administrator rights required".into())
    }
    pub fn hardware_failed() -> Self {
        Error::HardwareFailed("Relay could not be driven".into())
    }

    /// The D-Bus error name and message as a client sees them: for an error
    /// that is not latchd's own (`org.freedesktop.DBus.Error.AccessDenied`
    /// of a property, an unknown method), the name the bus or daemon sent.
    pub fn name_and_message(&self) -> (String, String) {
        use zbus::DBusError;
        match self {
            Error::ZBus(zbus::Error::MethodError(name, message, _)) => (
                name.as_str().to_string(),
                message.clone().unwrap_or_default(),
            ),
            // A property read fails with a standard error (AccessDenied).
            Error::ZBus(zbus::Error::FDO(e)) => (
                e.name().as_str().to_string(),
                e.description().unwrap_or_default().to_string(),
            ),
            Error::ZBus(e) => (self.name().as_str().to_string(), e.to_string()),
            other => (
                other.name().as_str().to_string(),
                other.description().unwrap_or_default().to_string(),
            ),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Rejected(e) => Error::BadRequest(e.to_string()),
            StoreError::Disabled => Error::NotFound(e.to_string()),
            StoreError::Storage(_) | StoreError::Stopped => Error::StorageFailed(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hardware_failed_is_its_own_error() {
        assert_eq!(
            Error::hardware_failed().name_and_message(),
            (
                "org.latchd.Panel1.Error.HardwareFailed".to_string(),
                "Relay could not be driven".to_string()
            )
        );
    }
}
