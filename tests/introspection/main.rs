//! The reviewed introspection XML in `dbus/` must describe what the daemon
//! serves: the live introspection of the real latchd is parsed and compared
//! with the file, member by member (names, argument names, types and
//! directions, properties, signals, annotations). Comments and order of
//! members do not count; the order of arguments does.
//!
//! Every `dbus/org.latchd.Panel1.NAME.xml` is checked against the object
//! `/org/latchd/Panel1/NAME` and its interface `org.latchd.Panel1.NAME`
//! (one interface per object, as the contract has it).
//!
//! The doc annotations of the XML are the interface reference: every
//! interface, member and argument has one, and the five man pages
//! `docs/man/org.latchd.Panel1.NAME.5` and `docs/dbus-reference.md` must be
//! what `pages` generates from them (with
//! `LATCHD_WRITE_DOCS=1 cargo test --test introspection generated`).

#[path = "../common/mod.rs"]
mod common;
mod pages;
use common::*;
use std::collections::BTreeMap;
use std::fmt::Debug;

const PREFIX: &str = "org.latchd.Panel1.";

/// Interfaces every zbus object has; the file does not repeat them.
const STANDARD: [&str; 3] = [
    "org.freedesktop.DBus.Introspectable",
    "org.freedesktop.DBus.Peer",
    "org.freedesktop.DBus.Properties",
];

const EMITS_CHANGED: &str = "org.freedesktop.DBus.Property.EmitsChangedSignal";

/// The reference text of an element (interface, method, signal, property or
/// argument), which the interface pages are generated from: documentation,
/// not part of the interface, so the daemon does not serve it.
const DOC: &str = "org.gtk.GDBus.DocString";
/// The one-line summary of an interface (its man page's NAME line).
const DOC_SHORT: &str = "org.gtk.GDBus.DocString.Short";

// --- a small parser for introspection XML ---------------------------------
//
// Introspection XML is a small subset of XML: elements with attributes,
// comments, a declaration and a DOCTYPE without internal subset, no text.
// Anything else is refused, so a file this parser cannot read fails loudly.

#[derive(Debug, Clone, PartialEq)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Element>,
    /// The comment right before the element, if any.
    comment: Option<String>,
}

fn parse(xml: &str) -> Element {
    let mut stack = vec![Element {
        name: "#document".into(),
        attrs: BTreeMap::new(),
        children: Vec::new(),
        comment: None,
    }];
    let mut comment = None;
    let mut rest = xml;
    loop {
        let Some(lt) = rest.find('<') else {
            assert!(rest.trim().is_empty(), "text outside elements: {rest:?}");
            break;
        };
        let text = &rest[..lt];
        assert!(text.trim().is_empty(), "unexpected text {text:?}");
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            let end = r.find("-->").expect("unterminated comment");
            comment = Some(r[..end].trim().to_string());
            rest = &r[end + 3..];
        } else if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>").expect("unterminated declaration") + 2..];
        } else if let Some(r) = rest.strip_prefix("<!") {
            let end = r.find('>').expect("unterminated DOCTYPE");
            assert!(
                !r[..end].contains('['),
                "internal DTD subsets are not supported"
            );
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix("</") {
            let end = r.find('>').expect("unterminated end tag");
            let element = stack.pop().unwrap();
            assert_eq!(element.name, r[..end].trim(), "mismatched end tag");
            stack
                .last_mut()
                .expect("end tag without start tag")
                .children
                .push(element);
            comment = None;
            rest = &r[end + 1..];
        } else {
            let r = &rest[1..];
            let end = tag_end(r);
            let (inner, empty) = match r[..end].strip_suffix('/') {
                Some(inner) => (inner, true),
                None => (&r[..end], false),
            };
            let (name, attrs) = parse_tag(inner);
            let element = Element {
                name,
                attrs,
                children: Vec::new(),
                comment: comment.take(),
            };
            if empty {
                stack.last_mut().unwrap().children.push(element);
            } else {
                stack.push(element);
            }
            rest = &r[end + 1..];
        }
    }
    assert_eq!(
        stack.len(),
        1,
        "unclosed element {}",
        stack.last().unwrap().name
    );
    let mut document = stack.pop().unwrap();
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.pop().unwrap()
}

/// The index of the `>` that ends a tag, outside quoted values.
fn tag_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    panic!("unterminated tag: {s:?}")
}

fn parse_tag(s: &str) -> (String, BTreeMap<String, String>) {
    let s = s.trim();
    let name_end = s.find(char::is_whitespace).unwrap_or(s.len());
    let name = s[..name_end].to_string();
    assert!(!name.is_empty(), "empty tag name");
    let mut attrs = BTreeMap::new();
    let mut rest = s[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=').expect("attribute without value");
        let key = rest[..eq].trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next().expect("attribute without value");
        assert!(quote == '"' || quote == '\'', "unquoted attribute {key}");
        let close = after[1..].find(quote).expect("unterminated attribute") + 1;
        let value = unescape(&after[1..close]);
        assert!(
            attrs.insert(key.clone(), value).is_none(),
            "attribute {key} twice"
        );
        rest = after[close + 1..].trim_start();
    }
    (name, attrs)
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..].find(';').expect("unterminated entity") + amp;
        let entity = &rest[amp + 1..semi];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => entity
                        .strip_prefix('#')
                        .unwrap_or_else(|| panic!("unknown entity &{entity};"))
                        .parse(),
                };
                char::from_u32(code.expect("bad character reference")).unwrap()
            }
        };
        out.push(c);
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
    out
}

// --- the interface, in a form that compares structurally -------------------

#[derive(Debug, PartialEq)]
struct Arg {
    name: Option<String>,
    ty: String,
    direction: String,
}

#[derive(Debug, PartialEq, Default)]
struct Member {
    args: Vec<Arg>,
    annotations: BTreeMap<String, String>,
}

#[derive(Debug, PartialEq)]
struct Property {
    ty: String,
    access: String,
    annotations: BTreeMap<String, String>,
}

#[derive(Debug, PartialEq, Default)]
struct Interface {
    methods: BTreeMap<String, Member>,
    signals: BTreeMap<String, Member>,
    properties: BTreeMap<String, Property>,
    annotations: BTreeMap<String, String>,
}

fn attr<'a>(e: &'a Element, name: &str) -> &'a str {
    e.attrs
        .get(name)
        .unwrap_or_else(|| panic!("<{}> without {name}", e.name))
}

fn only_attrs(e: &Element, allowed: &[&str]) {
    for key in e.attrs.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "<{}> has an unknown attribute {key}",
            e.name
        );
    }
}

fn annotation(e: &Element, into: &mut BTreeMap<String, String>) {
    only_attrs(e, &["name", "value"]);
    assert!(e.children.is_empty(), "<annotation> has children");
    if is_doc(e) {
        return;
    }
    let old = into.insert(attr(e, "name").into(), attr(e, "value").into());
    assert!(old.is_none(), "annotation {} twice", attr(e, "name"));
}

fn is_doc(e: &Element) -> bool {
    e.name == "annotation" && [DOC, DOC_SHORT].contains(&attr(e, "name"))
}

/// The reference text of `e`, from its doc annotation, with its white
/// space collapsed.
fn doc(e: &Element) -> Option<String> {
    e.children
        .iter()
        .find(|c| is_doc(c) && attr(c, "name") == DOC)
        .map(|c| {
            attr(c, "value")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
}

/// A method or signal; `default_direction` is what an arg without one means.
fn member(e: &Element, default_direction: &str) -> Member {
    only_attrs(e, &["name"]);
    let mut m = Member::default();
    for c in &e.children {
        match c.name.as_str() {
            "arg" => {
                only_attrs(c, &["name", "type", "direction"]);
                let direction = c.attrs.get("direction").map_or(default_direction, |d| d);
                assert!(
                    direction == "in" || direction == "out",
                    "arg direction {direction}"
                );
                if e.name == "signal" {
                    assert_eq!(direction, "out", "signal args are out");
                }
                for a in &c.children {
                    assert!(is_doc(a), "<{}> inside <arg>", a.name);
                }
                m.args.push(Arg {
                    name: c.attrs.get("name").cloned(),
                    ty: attr(c, "type").into(),
                    direction: direction.into(),
                });
            }
            "annotation" => annotation(c, &mut m.annotations),
            other => panic!("<{other}> inside <{}>", e.name),
        }
    }
    m
}

/// The interface `name` of the node `root`.
fn interface(root: &Element, name: &str) -> Interface {
    assert_eq!(root.name, "node");
    let mut found = root
        .children
        .iter()
        .filter(|c| c.name == "interface" && c.attrs.get("name").map(String::as_str) == Some(name));
    let e = found
        .next()
        .unwrap_or_else(|| panic!("no interface {name}"));
    assert!(found.next().is_none(), "interface {name} twice");
    only_attrs(e, &["name"]);
    let mut i = Interface::default();
    for c in &e.children {
        let member_name = || attr(c, "name").to_string();
        let fresh = |taken: bool| assert!(!taken, "{} {} twice", c.name, member_name());
        match c.name.as_str() {
            "method" => fresh(i.methods.insert(member_name(), member(c, "in")).is_some()),
            "signal" => fresh(i.signals.insert(member_name(), member(c, "out")).is_some()),
            "property" => {
                only_attrs(c, &["name", "type", "access"]);
                let mut annotations = BTreeMap::new();
                for a in &c.children {
                    assert_eq!(a.name, "annotation", "<{}> inside <property>", a.name);
                    annotation(a, &mut annotations);
                }
                // The D-Bus specification's default, which zbus leaves out.
                annotations
                    .entry(EMITS_CHANGED.to_string())
                    .or_insert_with(|| "true".to_string());
                let p = Property {
                    ty: attr(c, "type").into(),
                    access: attr(c, "access").into(),
                    annotations,
                };
                fresh(i.properties.insert(member_name(), p).is_some());
            }
            "annotation" => annotation(c, &mut i.annotations),
            other => panic!("<{other}> inside <interface>"),
        }
    }
    i
}

fn interface_names(root: &Element) -> Vec<String> {
    root.children
        .iter()
        .filter(|c| c.name == "interface")
        .map(|c| attr(c, "name").to_string())
        .collect()
}

/// What differs between `file` and `live`, one line per member.
fn differences(file: &Interface, live: &Interface) -> Vec<String> {
    fn diff<T: PartialEq + Debug>(
        kind: &str,
        file: &BTreeMap<String, T>,
        live: &BTreeMap<String, T>,
        out: &mut Vec<String>,
    ) {
        for (name, f) in file {
            match live.get(name) {
                None => out.push(format!("{kind} {name}: in the file, not served")),
                Some(l) if l != f => {
                    out.push(format!("{kind} {name}:\n  file: {f:?}\n  live: {l:?}"))
                }
                Some(_) => {}
            }
        }
        for name in live.keys().filter(|n| !file.contains_key(*n)) {
            out.push(format!("{kind} {name}: served, not in the file"));
        }
    }
    let mut out = Vec::new();
    diff("method", &file.methods, &live.methods, &mut out);
    diff("signal", &file.signals, &live.signals, &mut out);
    diff("property", &file.properties, &live.properties, &mut out);
    diff("annotation", &file.annotations, &live.annotations, &mut out);
    out
}

/// A reviewed file: its path in the repository, interface, object and
/// parsed content.
struct Reviewed {
    file: String,
    iface: String,
    path: String,
    root: Element,
}

/// Every `dbus/org.latchd.Panel1.NAME.xml`.
fn reviewed() -> Vec<Reviewed> {
    let mut files: Vec<Reviewed> = std::fs::read_dir(std::path::Path::new(ROOT).join("dbus"))
        .unwrap()
        .filter_map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().ok()?;
            let iface = name.strip_suffix(".xml")?;
            let object = iface.strip_prefix(PREFIX)?;
            let text = std::fs::read_to_string(entry.path()).unwrap();
            Some(Reviewed {
                file: format!("dbus/{name}"),
                iface: iface.to_string(),
                path: format!("/org/latchd/Panel1/{object}"),
                root: parse(&text),
            })
        })
        .collect();
    files.sort_by(|a, b| a.file.cmp(&b.file));
    for name in [
        "Identifiers",
        "TimeProfiles",
        "Apartments",
        "Locks",
        "Access",
    ] {
        assert!(
            files.iter().any(|f| f.iface == format!("{PREFIX}{name}")),
            "dbus/{PREFIX}{name}.xml is missing"
        );
    }
    files
}

async fn live(s: &Setup, path: &str) -> Element {
    let proxy = zbus::fdo::IntrospectableProxy::builder(&s.conn)
        .destination("org.latchd.Panel1")
        .unwrap()
        .path(path)
        .unwrap()
        .build()
        .await
        .unwrap();
    parse(&proxy.introspect().await.unwrap())
}

#[tokio::test]
async fn the_reviewed_xml_matches_the_daemon() {
    let s = Setup::start("").await;
    for r in reviewed() {
        let live = live(&s, &r.path).await;
        let diffs = differences(&interface(&r.root, &r.iface), &interface(&live, &r.iface));
        assert!(
            diffs.is_empty(),
            "{} and the live introspection of {} differ; change both together:\n{}",
            r.file,
            r.path,
            diffs.join("\n")
        );
        // The file describes exactly the object's own interfaces.
        let served: Vec<String> = interface_names(&live)
            .into_iter()
            .filter(|n| !STANDARD.contains(&n.as_str()))
            .collect();
        assert_eq!(interface_names(&r.root), served, "{}", r.file);
    }
}

/// The `<interface>` element of a reviewed file.
fn interface_element(r: &Reviewed) -> &Element {
    r.root
        .children
        .iter()
        .find(|c| c.name == "interface")
        .unwrap()
}

/// The methods, signals and properties of an `<interface>` element.
fn members(iface: &Element) -> impl Iterator<Item = &Element> {
    iface
        .children
        .iter()
        .filter(|c| ["method", "signal", "property"].contains(&c.name.as_str()))
}

#[test]
fn every_member_of_the_reviewed_xml_is_documented() {
    let pages = pages::generate(std::path::Path::new(ROOT));
    for r in reviewed() {
        let iface = interface_element(&r);
        assert!(
            doc(iface).is_some_and(|d| !d.trim().is_empty()),
            "{}: the interface has no {DOC} annotation",
            r.file
        );
        assert!(
            iface
                .children
                .iter()
                .any(|c| is_doc(c) && attr(c, "name") == DOC_SHORT),
            "{}: the interface has no {DOC_SHORT} annotation",
            r.file
        );
        let page = &pages
            .iter()
            .find(|(path, _)| *path == format!("docs/man/{}.5", r.iface))
            .unwrap_or_else(|| panic!("no page for {}", r.iface))
            .1;
        let headings: Vec<&str> = page.lines().filter(|l| l.starts_with(".SS ")).collect();
        for member in members(iface) {
            let name = attr(member, "name");
            let text = doc(member).unwrap_or_else(|| {
                panic!("{}: {} {name} has no {DOC} annotation", r.file, member.name)
            });
            assert!(!text.trim().is_empty(), "{}: {name}: an empty doc", r.file);
            // The page has a heading that names the member.
            assert!(
                headings
                    .iter()
                    .any(|h| h.contains(&format!(" {name}(")) || h.contains(&format!(" {name} ["))),
                "{}: the page of {} must have a heading naming {name}: {headings:?}",
                r.file,
                r.iface
            );
            if member.name == "method" {
                assert!(
                    text.contains("Errors:"),
                    "{}: the doc of {name} must list its errors",
                    r.file
                );
            }
            for arg in member.children.iter().filter(|c| c.name == "arg") {
                assert!(
                    doc(arg).is_some_and(|d| !d.trim().is_empty()),
                    "{}: argument {} of {name} has no {DOC} annotation",
                    r.file,
                    attr(arg, "name")
                );
            }
        }
    }
}

/// The part of a member's doc from `Errors:` on, with quoted messages
/// and parenthesised remarks taken out: what is left names errors.
fn error_names(comment: &str) -> Vec<String> {
    let Some((_, errors)) = comment.split_once("Errors:") else {
        return Vec::new();
    };
    let mut plain = String::new();
    let (mut quoted, mut depth) = (false, 0);
    for c in errors.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            c if !quoted && depth == 0 => plain.push(c),
            _ => {}
        }
    }
    plain
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() > 1 && w.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_errors_listed_are_latchds_own() {
    use latchd::dbus::Error;
    // The names latchd's own error type gives.
    let known: Vec<String> = [
        Error::BadRequest(String::new()),
        Error::unauthorized(),
        Error::forbidden(),
        Error::NotFound(String::new()),
        Error::StorageFailed(String::new()),
        Error::hardware_failed(),
    ]
    .iter()
    .map(|e| {
        let (name, _) = e.name_and_message();
        name.strip_prefix("org.latchd.Panel1.Error.")
            .unwrap()
            .to_string()
    })
    .collect();
    assert_eq!(
        Error::hardware_failed().name_and_message().1,
        "Relay could not be driven"
    );
    for r in reviewed() {
        let iface = interface_element(&r);
        for member in iface.children.iter().filter(|m| m.name == "method") {
            let name = attr(member, "name");
            let comment = doc(member).unwrap_or_default();
            let comment = comment.as_str();
            for error in error_names(comment) {
                assert!(
                    known.contains(&error),
                    "{}: {name} lists {error}, which latchd does not have ({known:?})",
                    r.file
                );
            }
            if r.iface == "org.latchd.Panel1.Locks" && name == "Open" {
                assert!(
                    error_names(comment).contains(&"HardwareFailed".to_string())
                        && comment.contains("HardwareFailed \"Relay could not be driven\""),
                    "{}: Open must list HardwareFailed with its message",
                    r.file
                );
            }
            if r.iface == "org.latchd.Panel1.Access" && name == "Present" {
                assert!(
                    comment.contains("\"relay failure\"") && comment.contains("HardwareFailed"),
                    "{}: Present must say how a relay failure is answered",
                    r.file
                );
            }
        }
    }
    // The filter sees names, not messages or remarks.
    assert_eq!(
        error_names(r#"Errors: Unauthorized "Log In"; BadRequest "Wrong X" (a Remark); A thing."#),
        vec!["Unauthorized", "BadRequest"]
    );
}

#[test]
fn the_generated_pages_are_current() {
    let root = std::path::Path::new(ROOT);
    let write = std::env::var_os("LATCHD_WRITE_DOCS").is_some();
    let mut stale = Vec::new();
    for (path, generated) in pages::generate(root) {
        let committed = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
        if committed != generated {
            if write {
                std::fs::write(root.join(&path), &generated).unwrap();
            }
            stale.push(path);
        }
    }
    assert!(
        write || stale.is_empty(),
        "{stale:?} differ from what dbus/*.xml and docs/man/src/ give. Regenerate with\n    \
         LATCHD_WRITE_DOCS=1 cargo test --test introspection generated\nand commit them."
    );
}

#[test]
fn the_generated_reference_reads_the_doc_annotations() {
    use pages::*;
    let xml = r#"<node><interface name="x.Y">
      <annotation name="org.gtk.GDBus.DocString.Short" value="a thing"/>
      <annotation name="org.gtk.GDBus.DocString" value="The Y."/>
      <method name="M">
        <annotation name="org.gtk.GDBus.DocString" value='Does
          M.&#10;&#10;Who: admin.&#10;Errors: Unauthorized "Log In";
          BadRequest "Wrong a; b" (one; two); org.freedesktop.DBus.Error.Failed.'/>
        <arg name="a" type="a{sv}" direction="in">
          <annotation name="org.gtk.GDBus.DocString" value=".a -x"/>
        </arg>
        <arg name="b" type="au" direction="out">
          <annotation name="org.gtk.GDBus.DocString" value="B"/>
        </arg>
      </method>
      <property name="P" type="b" access="read">
        <annotation name="org.gtk.GDBus.DocString" value="P."/>
      </property>
    </interface></node>"#;
    let i = Iface::parse(xml, "x.Y", "test");
    assert_eq!(i.short, "a thing");
    let m = i.member("M").unwrap();
    assert_eq!(m.doc.paragraphs, ["Does M."]);
    assert_eq!(m.doc.who.as_deref(), Some("Who: admin."));
    assert_eq!(
        m.doc.errors,
        [
            ErrorItem {
                name: "org.latchd.Panel1.Error.Unauthorized".into(),
                text: "\"Log In\"".into()
            },
            ErrorItem {
                name: "org.latchd.Panel1.Error.BadRequest".into(),
                text: "\"Wrong a; b\" (one; two)".into()
            },
            ErrorItem {
                name: "org.freedesktop.DBus.Error.Failed".into(),
                text: String::new()
            },
        ]
    );
    assert_eq!(heading(m), "array{uint32} M(dict{string, variant} a)");
    assert_eq!(heading(i.member("P").unwrap()), "boolean P [readonly]");
    let page = man_page(
        &i,
        ".\\\" @header\n.SH METHODS\n.\\\" @member M\n.\\\" @member P\n",
        "src",
    );
    assert!(
        page.contains(".SS \"array{uint32} M(dict{string, variant} a)\"\n"),
        "{page}"
    );
    assert!(page.contains("\\&.a \\-x\n"), "{page}");
    assert!(
        page.contains(".TP\n.B org.latchd.Panel1.Error.BadRequest\n\"Wrong a; b\" (one; two)\n"),
        "{page}"
    );
    // A member without its place on the page, or a place for none, fails.
    for src in [
        ".\\\" @member M\n",
        ".\\\" @member M\n.\\\" @member P\n.\\\" @member Q\n",
    ] {
        assert!(
            std::panic::catch_unwind(|| man_page(&i, src, "src")).is_err(),
            "{src}"
        );
    }
    // Who and the errors must agree: an admin-only method lists Forbidden.
    assert_eq!(roles(m), [true, false, false]);
    assert!(std::panic::catch_unwind(|| check_roles(&i, m)).is_err());
    let forbidden = xml.replace(
        "Errors: Unauthorized",
        "Errors: Forbidden \"x\"; Unauthorized",
    );
    let f = Iface::parse(&forbidden, "x.Y", "test");
    check_roles(&f, f.member("M").unwrap());
    // An element the introspection format does not have fails.
    let doc_element = xml.replace("<property", "<doc:doc>x</doc:doc><property");
    assert!(std::panic::catch_unwind(|| Iface::parse(&doc_element, "x.Y", "test")).is_err());
}

#[test]
fn the_parser_reads_what_it_must_and_the_comparison_sees_changes() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<!-- a > comment -->
<node>
  <interface name='x.Y'>
    <!-- doc -->
    <method name="M"><arg name="a" type="s"/><arg type="a{sv}" direction="out"/></method>
    <signal name="S"><arg name="e" type="s"/></signal>
    <property name="P" type="u" access="read"/>
    <annotation name="n" value="&lt;&quot;&amp;&#65;&#x42;&gt;"/>
  </interface>
</node>"#;
    let root = parse(xml);
    let i = interface(&root, "x.Y");
    assert_eq!(i.annotations["n"], "<\"&AB>");
    let m = &i.methods["M"];
    assert_eq!(
        m.args,
        [
            Arg {
                name: Some("a".into()),
                ty: "s".into(),
                direction: "in".into()
            },
            Arg {
                name: None,
                ty: "a{sv}".into(),
                direction: "out".into()
            }
        ]
    );
    assert_eq!(i.signals["S"].args[0].direction, "out");
    assert_eq!(i.properties["P"].annotations[EMITS_CHANGED], "true");
    assert_eq!(root.children[0].children[0].comment.as_deref(), Some("doc"));
    assert!(differences(&i, &interface(&root, "x.Y")).is_empty());

    for changed in [
        xml.replace(r#"name="a""#, r#"name="b""#),
        xml.replace(r#"direction="out""#, r#"direction="in""#),
        xml.replace(r#"type="u""#, r#"type="i""#),
        xml.replace(r#"access="read""#, r#"access="readwrite""#),
        xml.replace(r#"<signal name="S">"#, r#"<signal name="T">"#),
        xml.replace(
            r#"access="read"/>"#,
            r#"access="read"><annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="false"/></property>"#,
        ),
    ] {
        assert_ne!(changed, xml);
        assert!(
            !differences(&interface(&parse(&changed), "x.Y"), &i).is_empty(),
            "not seen: {changed}"
        );
    }
}
