//! Every bus object is served through [`Checked`], which answers a method
//! call whose arguments have the wrong signature with the standard
//! `org.freedesktop.DBus.Error.InvalidArgs` (what `dbus/` documents and
//! clients expect) before the object's generated dispatch would answer it
//! with zbus's own `org.freedesktop.zbus.Error`. Everything else is the
//! object's own.

use std::collections::HashMap;
use std::fmt::Write;
use zbus::message::Header;
use zbus::names::{InterfaceName, MemberName};
use zbus::object_server::{DispatchResult2, Interface, SignalEmitter};
use zbus::zvariant::{OwnedValue, Value};
use zbus::{fdo, Connection, Message, ObjectServer};

pub struct Checked<I> {
    pub inner: I,
    /// Method name to the signature of its in-arguments, from the
    /// object's own introspection.
    signatures: HashMap<String, String>,
}

impl<I: Interface> Checked<I> {
    pub fn new(inner: I) -> Checked<I> {
        let mut xml = String::new();
        inner.introspect_to_writer(&mut xml, 0);
        Checked {
            signatures: in_signatures(&xml),
            inner,
        }
    }
}

/// Method name to the concatenated types of its `direction="in"` args, read
/// from the introspection XML zbus writes for one interface (an
/// `<interface>` element, which is given a `<node>` to parse as a document).
fn in_signatures(xml: &str) -> HashMap<String, String> {
    let document = format!("<node>{xml}</node>");
    // zbus wrote this XML itself: it parses, or no method is checked here
    // and zbus's own dispatch still refuses wrong arguments.
    let Ok(node) = zbus_xml::Node::from_reader(document.as_bytes()) else {
        return HashMap::new();
    };
    node.interfaces()
        .iter()
        .flat_map(|interface| interface.methods())
        .map(|method| {
            let signature = method
                .args()
                .iter()
                .filter(|arg| arg.direction() == Some(zbus_xml::ArgDirection::In))
                .map(|arg| arg.ty().to_string())
                .collect();
            (method.name().to_string(), signature)
        })
        .collect()
}

#[zbus::export::async_trait::async_trait]
impl<I: Interface> Interface for Checked<I> {
    fn name() -> InterfaceName<'static> {
        I::name()
    }

    fn spawn_tasks_for_methods(&self) -> bool {
        self.inner.spawn_tasks_for_methods()
    }

    async fn get(
        &self,
        property_name: &str,
        server: &ObjectServer,
        connection: &Connection,
        header: Option<&Header<'_>>,
        emitter: &SignalEmitter<'_>,
    ) -> Option<fdo::Result<OwnedValue>> {
        self.inner
            .get(property_name, server, connection, header, emitter)
            .await
    }

    async fn get_all(
        &self,
        server: &ObjectServer,
        connection: &Connection,
        header: Option<&Header<'_>>,
        emitter: &SignalEmitter<'_>,
    ) -> fdo::Result<HashMap<String, OwnedValue>> {
        self.inner
            .get_all(server, connection, header, emitter)
            .await
    }

    fn set<'call>(
        &'call self,
        property_name: &'call str,
        value: &'call Value<'_>,
        server: &'call ObjectServer,
        connection: &'call Connection,
        header: Option<&'call Header<'_>>,
        emitter: &'call SignalEmitter<'_>,
    ) -> DispatchResult2<'call> {
        self.inner
            .set(property_name, value, server, connection, header, emitter)
    }

    async fn set_mut(
        &mut self,
        property_name: &str,
        value: &Value<'_>,
        server: &ObjectServer,
        connection: &Connection,
        header: Option<&Header<'_>>,
        emitter: &SignalEmitter<'_>,
    ) -> Option<fdo::Result<()>> {
        self.inner
            .set_mut(property_name, value, server, connection, header, emitter)
            .await
    }

    fn call<'call>(
        &'call self,
        server: &'call ObjectServer,
        connection: &'call Connection,
        msg: &'call Message,
        name: MemberName<'call>,
    ) -> DispatchResult2<'call> {
        if let Some(expected) = self.signatures.get(name.as_str()) {
            let got = msg.body().signature().to_string_no_parens();
            if got != *expected {
                let mut message = String::new();
                let _ = write!(
                    message,
                    "{name} takes ({expected}), not ({got}); see the introspection of {}",
                    I::name()
                );
                return DispatchResult2::Async(Box::pin(async move {
                    Err(fdo::Error::InvalidArgs(message))
                }));
            }
        }
        self.inner.call(server, connection, msg, name)
    }

    fn call_mut<'call>(
        &'call mut self,
        server: &'call ObjectServer,
        connection: &'call Connection,
        msg: &'call Message,
        name: MemberName<'call>,
    ) -> DispatchResult2<'call> {
        self.inner.call_mut(server, connection, msg, name)
    }

    fn introspect_to_writer(&self, writer: &mut dyn std::fmt::Write, level: usize) {
        self.inner.introspect_to_writer(writer, level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_signatures_from_introspection() {
        let xml = r#"<interface name="org.latchd.Test1">
  <method name="Create">
    <arg name="body" type="s" direction="in"/>
    <arg name="uid" type="u" direction="out"/>
  </method>
  <method name="Update">
    <arg name="uid" type="u" direction="in"/>
    <arg name="body" type="s" direction="in"/>
  </method>
  <method name="Ping"/>
  <method name="Get">
    <arg type="u" name="uid" direction="in"/>
  </method>
  <method name="Pair">
    <arg name="pair" type="(us)" direction="in"/>
    <arg name="map" type="a{sv}" direction="in"/>
  </method>
</interface>"#;
        let s = in_signatures(xml);
        assert_eq!(s["Create"], "s");
        assert_eq!(s["Update"], "us");
        assert_eq!(s["Ping"], "");
        assert_eq!(s["Get"], "u");
        assert_eq!(s["Pair"], "(us)a{sv}");
    }
}
