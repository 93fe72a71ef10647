//! The interface reference, generated from the reviewed introspection XML
//! in `dbus/`: its doc annotations (`org.gtk.GDBus.DocString` on the
//! interface, every member and every argument, `org.gtk.GDBus.DocString.Short`
//! on the interface) are the one source of what each member does, who may
//! call it and its errors. From them come
//!
//! - `docs/man/org.latchd.Panel1.NAME.5`: the hand-written page
//!   `docs/man/src/org.latchd.Panel1.NAME.5` (concepts, bodies, examples),
//!   with its `.\" @header` (the title), `.\" @name` (NAME and INTERFACE),
//!   `.\" @description` (the interface's doc), `.\" @roles` (what each role
//!   may use) and `.\" @member NAME` lines replaced by what the XML gives;
//! - `docs/dbus-reference.md`: the table of who may use what (from the Who
//!   paragraphs, checked against the errors listed) and the reference of
//!   all five interfaces.
//!
//! The format of a doc annotation: plain text, whitespace-insensitive as in
//! any XML attribute; `&#10;` (a newline) parts paragraphs. A paragraph that
//! starts with `Who` (`Who:`, `Who may read it:`, `Who receives it:`) says
//! who may use the member; one that starts with `Errors:` lists the errors
//! (a method's in the order latchd checks them), separated by `;` outside
//! quotes and parentheses, each `Name "message" (remark)` with `Name` an
//! `org.latchd.Panel1.Error.` name or a full error name.
//!
//! See docs/interface-docs.md. `LATCHD_WRITE_DOCS=1 cargo test --test
//! introspection generated` writes the files.

use std::fmt::Write as _;
use std::path::Path;

/// The interfaces, in the order the reference lists them.
pub const INTERFACES: [&str; 5] = [
    "Identifiers",
    "TimeProfiles",
    "Apartments",
    "Locks",
    "Access",
];

const PREFIX: &str = "org.latchd.Panel1.";
const DOC: &str = "org.gtk.GDBus.DocString";
const DOC_SHORT: &str = "org.gtk.GDBus.DocString.Short";
const ERROR_PREFIX: &str = "org.latchd.Panel1.Error.";

/// Every generated file: its path in the repository and its content.
pub fn generate(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut reference = String::from(
        "<!-- Generated from dbus/*.xml by tests/introspection/pages.rs; do not edit. \
         Regenerate with: LATCHD_WRITE_DOCS=1 cargo test --test introspection generated -->\n\
         # org.latchd.Panel1: interface reference\n\n\
         Every method, signal and property latchd serves on the bus name \
         `org.latchd.Panel1`, with its arguments, who may use it and its \
         errors, from the doc annotations of the reviewed introspection XML \
         in `dbus/`. The concepts (bodies, items, queries, validation order, \
         examples) are in the man pages `org.latchd.Panel1.NAME(5)` and in \
         `dbus/README.md`. How the reference is made: \
         `docs/interface-docs.md`.\n",
    );
    let mut ifaces = Vec::new();
    for name in INTERFACES {
        let iface_name = format!("{PREFIX}{name}");
        let xml_path = format!("dbus/{iface_name}.xml");
        let xml = std::fs::read_to_string(root.join(&xml_path))
            .unwrap_or_else(|e| panic!("{xml_path}: {e}"));
        let iface = Iface::parse(&xml, &iface_name, &xml_path);
        let src_path = format!("docs/man/src/{iface_name}.5");
        let src = std::fs::read_to_string(root.join(&src_path))
            .unwrap_or_else(|e| panic!("{src_path}: {e}"));
        out.push((
            format!("docs/man/{iface_name}.5"),
            man_page(&iface, &src, &src_path),
        ));
        ifaces.push(iface);
    }
    reference += &authorization(&ifaces);
    for iface in &ifaces {
        reference += &markdown(iface);
    }
    out.push(("docs/dbus-reference.md".to_string(), reference));
    out
}

// --- the interface, as zbus_xml reads it ------------------------------------

#[derive(Debug)]
pub struct Arg {
    pub name: String,
    pub ty: String,
    pub out: bool,
    pub doc: String,
}

#[derive(Debug, PartialEq)]
pub enum Kind {
    Method,
    Signal,
    Property { access: String },
}

#[derive(Debug)]
pub struct Member {
    pub kind: Kind,
    pub name: String,
    /// A property's type is its one argument.
    pub args: Vec<Arg>,
    pub doc: Doc,
}

#[derive(Debug)]
pub struct Iface {
    pub name: String,
    pub short: String,
    pub doc: Vec<String>,
    pub members: Vec<Member>,
}

/// A member's reference text, in its parts.
#[derive(Debug, Default)]
pub struct Doc {
    pub paragraphs: Vec<String>,
    pub who: Option<String>,
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, PartialEq)]
pub struct ErrorItem {
    /// The full error name.
    pub name: String,
    /// The rest: the message in quotes and remarks, as written.
    pub text: String,
}

fn doc_of<'a>(annotations: &'a [zbus_xml::Annotation], what: &str) -> &'a str {
    annotations
        .iter()
        .find(|a| a.name() == DOC)
        .map(|a| a.value())
        .unwrap_or_else(|| panic!("{what} has no {DOC} annotation"))
}

/// The paragraphs of a doc string: parted by newlines, whitespace collapsed.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split('\n')
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

impl Doc {
    pub fn parse(text: &str) -> Doc {
        let mut doc = Doc::default();
        for p in paragraphs(text) {
            if let Some(errors) = p.strip_prefix("Errors:") {
                assert!(doc.errors.is_empty(), "two Errors: paragraphs in {text:?}");
                doc.errors = error_items(errors);
            } else if p.starts_with("Who ") || p.starts_with("Who:") {
                assert!(doc.who.is_none(), "two Who: paragraphs in {text:?}");
                doc.who = Some(p);
            } else {
                doc.paragraphs.push(p);
            }
        }
        doc
    }
}

/// `A "m" (r); B "n"` as items, split at `;` outside quotes and parentheses.
pub fn error_items(text: &str) -> Vec<ErrorItem> {
    let mut items = Vec::new();
    let (mut quoted, mut depth, mut start) = (false, 0i32, 0);
    let mut push = |item: &str| {
        let item = item.trim();
        if item.is_empty() {
            return;
        }
        let end = item
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
            .unwrap_or(item.len());
        let (name, rest) = item.split_at(end);
        assert!(
            name.starts_with(|c: char| c.is_ascii_uppercase()) || name.contains('.'),
            "an error item must start with the error's name: {item:?}"
        );
        let name = if name.contains('.') {
            name.to_string()
        } else {
            format!("{ERROR_PREFIX}{name}")
        };
        items.push(ErrorItem {
            name,
            text: rest.trim().to_string(),
        });
    };
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ';' if !quoted && depth == 0 => {
                push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    assert!(
        !quoted && depth == 0,
        "unbalanced quotes or parentheses in {text:?}"
    );
    let last = text[start..].trim().trim_end_matches('.');
    push(last);
    items
}

impl Iface {
    pub fn parse(xml: &str, name: &str, file: &str) -> Iface {
        let (node, warnings) = zbus_xml::Node::from_reader_with_warnings(xml.as_bytes())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(warnings.is_empty(), "{file}: {warnings:?}");
        let i = node
            .interfaces()
            .iter()
            .find(|i| i.name().as_str() == name)
            .unwrap_or_else(|| panic!("{file}: no interface {name}"));
        let short = i
            .annotations()
            .iter()
            .find(|a| a.name() == DOC_SHORT)
            .unwrap_or_else(|| panic!("{file}: {name} has no {DOC_SHORT}"))
            .value()
            .to_string();
        let args = |args: &[zbus_xml::Arg], member: &str, signal: bool| -> Vec<Arg> {
            args.iter()
                .map(|a| {
                    let arg_name = a
                        .name()
                        .unwrap_or_else(|| panic!("{file}: an argument of {member} has no name"));
                    Arg {
                        name: arg_name.to_string(),
                        ty: a.ty().to_string(),
                        out: signal || a.direction() == Some(zbus_xml::ArgDirection::Out),
                        doc: paragraphs(doc_of(
                            a.annotations(),
                            &format!("argument {arg_name} of {member}"),
                        ))
                        .join(" "),
                    }
                })
                .collect()
        };
        let mut members = Vec::new();
        for m in i.methods() {
            let what = format!("{file}: method {}", m.name());
            members.push(Member {
                kind: Kind::Method,
                name: m.name().to_string(),
                args: args(m.args(), &what, false),
                doc: Doc::parse(doc_of(m.annotations(), &what)),
            });
        }
        for s in i.signals() {
            let what = format!("{file}: signal {}", s.name());
            members.push(Member {
                kind: Kind::Signal,
                name: s.name().to_string(),
                args: args(s.args(), &what, true),
                doc: Doc::parse(doc_of(s.annotations(), &what)),
            });
        }
        for p in i.properties() {
            let what = format!("{file}: property {}", p.name());
            let access = match (p.access().read(), p.access().write()) {
                (true, false) => "read",
                (false, true) => "write",
                _ => "readwrite",
            };
            members.push(Member {
                kind: Kind::Property {
                    access: access.to_string(),
                },
                name: p.name().to_string(),
                args: vec![Arg {
                    name: String::new(),
                    ty: p.ty().to_string(),
                    out: true,
                    doc: String::new(),
                }],
                doc: Doc::parse(doc_of(p.annotations(), &what)),
            });
        }
        Iface {
            name: name.to_string(),
            short,
            doc: paragraphs(doc_of(
                i.annotations(),
                &format!("{file}: interface {name}"),
            )),
            members,
        }
    }

    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }
}

/// A D-Bus type as the man pages write it: `uint32`, `array{byte}`,
/// `dict{string, string}`.
pub fn type_name(sig: &str) -> String {
    fn one(s: &[u8]) -> (String, &[u8]) {
        let simple = |name: &str, rest| (name.to_string(), rest);
        match s[0] {
            b'y' => simple("byte", &s[1..]),
            b'b' => simple("boolean", &s[1..]),
            b'n' => simple("int16", &s[1..]),
            b'q' => simple("uint16", &s[1..]),
            b'i' => simple("int32", &s[1..]),
            b'u' => simple("uint32", &s[1..]),
            b'x' => simple("int64", &s[1..]),
            b't' => simple("uint64", &s[1..]),
            b'd' => simple("double", &s[1..]),
            b'h' => simple("fd", &s[1..]),
            b's' => simple("string", &s[1..]),
            b'o' => simple("object", &s[1..]),
            b'g' => simple("signature", &s[1..]),
            b'v' => simple("variant", &s[1..]),
            b'a' if s.get(1) == Some(&b'{') => {
                let (k, rest) = one(&s[2..]);
                let (v, rest) = one(rest);
                assert_eq!(rest[0], b'}');
                (format!("dict{{{k}, {v}}}"), &rest[1..])
            }
            b'a' => {
                let (t, rest) = one(&s[1..]);
                (format!("array{{{t}}}"), rest)
            }
            b'(' => {
                let mut rest = &s[1..];
                let mut fields = Vec::new();
                while rest[0] != b')' {
                    let (t, r) = one(rest);
                    fields.push(t);
                    rest = r;
                }
                (format!("struct{{{}}}", fields.join(", ")), &rest[1..])
            }
            c => panic!("unknown D-Bus type {}", c as char),
        }
    }
    let (name, rest) = one(sig.as_bytes());
    assert!(rest.is_empty(), "{sig} is more than one type");
    name
}

// --- roff -------------------------------------------------------------------

/// Text as roff: escaped, filled at about 72 columns, no line starting
/// with a control character.
pub fn roff_text(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let word = word.replace('\\', "\\e").replace('-', "\\-");
        if !line.is_empty() && line.len() + 1 + word.len() > 72 {
            out += &line;
            out += "\n";
            line.clear();
        }
        if line.is_empty() {
            if word.starts_with('.') || word.starts_with('\'') {
                line += "\\&";
            }
        } else {
            line += " ";
        }
        line += &word;
    }
    if !line.is_empty() {
        out += &line;
        out += "\n";
    }
    out
}

fn roff_quoted(text: &str) -> String {
    text.replace('\\', "\\e")
        .replace('-', "\\-")
        .replace('"', "\\(dq")
}

/// `void Open(string lock)`, `boolean, string Present(string type, ...)`,
/// `dict{string, string} States [readonly]`.
pub fn heading(m: &Member) -> String {
    match &m.kind {
        Kind::Property { access } => {
            let access = match access.as_str() {
                "read" => "readonly",
                "write" => "writeonly",
                _ => "readwrite",
            };
            format!("{} {} [{access}]", type_name(&m.args[0].ty), m.name)
        }
        Kind::Method | Kind::Signal => {
            let outs: Vec<String> = m
                .args
                .iter()
                .filter(|a| a.out && m.kind == Kind::Method)
                .map(|a| type_name(&a.ty))
                .collect();
            let ins: Vec<String> = m
                .args
                .iter()
                .filter(|a| !a.out || m.kind == Kind::Signal)
                .map(|a| format!("{} {}", type_name(&a.ty), a.name))
                .collect();
            let ret = if outs.is_empty() {
                "void".to_string()
            } else {
                outs.join(", ")
            };
            format!("{ret} {}({})", m.name, ins.join(", "))
        }
    }
}

fn signature(m: &Member, out: bool) -> String {
    m.args
        .iter()
        .filter(|a| a.out == out)
        .map(|a| a.ty.as_str())
        .collect()
}

fn man_member(m: &Member) -> String {
    let mut out = format!(".SS \"{}\"\n", roff_quoted(&heading(m)));
    match m.kind {
        Kind::Method => {
            let (ins, outs) = (signature(m, false), signature(m, true));
            out += "D\\-Bus signature:";
            if !ins.is_empty() {
                let sep = if outs.is_empty() { "." } else { "," };
                let _ = write!(out, " in\n.BR {} {sep}\n", roff_quoted(&ins));
            }
            if !outs.is_empty() {
                let _ = write!(out, "out\n.BR {} .\n", roff_quoted(&outs));
            }
            if ins.is_empty() && outs.is_empty() {
                out += " none.\n";
            }
        }
        Kind::Signal | Kind::Property { .. } => {
            let _ = write!(
                out,
                "D\\-Bus signature:\n.BR {} .\n",
                roff_quoted(&signature(m, true))
            );
        }
    }
    let named: Vec<&Arg> = m.args.iter().filter(|a| !a.name.is_empty()).collect();
    if !named.is_empty() {
        out += ".PP\nArguments:\n.RS\n";
        for a in named {
            let dir = match (&m.kind, a.out) {
                (Kind::Signal, _) => "",
                (_, true) => ", out",
                (_, false) => ", in",
            };
            let _ = write!(
                out,
                ".TP\n.BR \"{}\" \" ({}{dir})\"\n",
                roff_quoted(&a.name),
                roff_quoted(&a.ty)
            );
            out += &roff_text(&a.doc);
        }
        out += ".RE\n";
    }
    for p in &m.doc.paragraphs {
        out += ".PP\n";
        out += &roff_text(p);
    }
    if let Some(who) = &m.doc.who {
        out += ".PP\n";
        out += &roff_text(who);
    }
    if !m.doc.errors.is_empty() {
        out += ".PP\n";
        out += errors_title(m);
        out += "\n.RS\n";
        for e in &m.doc.errors {
            let _ = write!(out, ".TP\n.B {}\n", roff_quoted(&e.name));
            if !e.text.is_empty() {
                out += &roff_text(&e.text);
            }
        }
        out += ".RE\n";
    }
    out
}

/// A method's errors are listed in the order latchd checks them.
fn errors_title(m: &Member) -> &'static str {
    match m.kind {
        Kind::Method => "Possible errors, in the order they are checked:",
        _ => "Errors:",
    }
}

fn man_header(i: &Iface, src_path: &str) -> String {
    format!(
        ".TH {} 5 \"2026\" \"latchd 0.1\" \"D-Bus API\"\n\
         .\\\" Generated from dbus/{}.xml and {src_path} by tests/introspection/pages.rs; do not edit.\n\
         .\\\" Regenerate with: LATCHD_WRITE_DOCS=1 cargo test --test introspection generated\n",
        i.name.to_uppercase(),
        i.name
    )
}

fn man_name(i: &Iface) -> String {
    let object = i.name.replace('.', "/");
    format!(
        ".SH NAME\n{} \\- latchd D\\-Bus API: {}\n\
         .SH INTERFACE\n.nf\n\
         Service:       \\fBorg.latchd.Panel1\\fR\n\
         Interface:     \\fB{}\\fR\n\
         Object path:   \\fB/{}\\fR\n.fi\n",
        i.name,
        roff_quoted(&i.short),
        i.name,
        object
    )
}

/// The page: the hand-written source with its directives replaced.
pub fn man_page(i: &Iface, src: &str, src_path: &str) -> String {
    let mut out = String::new();
    let mut used = Vec::new();
    for line in src.lines() {
        if let Some(directive) = line.strip_prefix(".\\\" @") {
            let mut words = directive.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some("header"), None, None) => out += &man_header(i, src_path),
                (Some("name"), None, None) => out += &man_name(i),
                (Some("roles"), None, None) => out += &man_roles(i),
                (Some("description"), None, None) => {
                    for (n, p) in i.doc.iter().enumerate() {
                        if n > 0 {
                            out += ".PP\n";
                        }
                        out += &roff_text(p);
                    }
                }
                (Some("member"), Some(name), None) => {
                    let m = i
                        .member(name)
                        .unwrap_or_else(|| panic!("{src_path}: {name} is not in {}", i.name));
                    assert!(!used.contains(&name), "{src_path}: {name} twice");
                    used.push(name);
                    out += &man_member(m);
                }
                _ => panic!("{src_path}: unknown directive {line:?}"),
            }
        } else {
            out += line;
            out += "\n";
        }
    }
    for m in &i.members {
        assert!(
            used.contains(&m.name.as_str()),
            "{src_path} has no `.\\\" @member {}` line: every member of {} has its place on the page",
            m.name,
            i.name
        );
    }
    out
}

// --- who may use what -------------------------------------------------------

/// Which of the roles admin, viewer and feeder may use the member, from the first sentence of its
/// Who paragraph (a signal's names the groups: latchd-admin, latchd-view).
pub fn roles(m: &Member) -> [bool; 3] {
    let who = m
        .doc
        .who
        .as_deref()
        .unwrap_or_else(|| panic!("{} has no Who paragraph", m.name));
    let (_, list) = who.split_once(':').unwrap_or(("", who));
    let first = list.split(". ").next().unwrap_or(list);
    let words: Vec<&str> = first
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .collect();
    let has = |w: &[&str]| w.iter().any(|w| words.contains(w));
    [
        has(&["admin", "latchd-admin"]),
        has(&["viewer", "latchd-view"]),
        has(&["feeder", "latchd-feed"]),
    ]
}

/// The Who paragraph and the Errors list must agree: a method answers a
/// caller without a role with Unauthorized and a role it does not allow
/// with Forbidden; a property answers either with AccessDenied.
pub fn check_roles(i: &Iface, m: &Member) {
    let allowed = roles(m);
    let lists = |name: &str| m.doc.errors.iter().any(|e| e.name == name);
    let all = allowed.iter().all(|a| *a);
    match m.kind {
        Kind::Method => {
            assert!(
                lists(&format!("{ERROR_PREFIX}Unauthorized")),
                "{}.{}: a method must list Unauthorized",
                i.name,
                m.name
            );
            assert_eq!(
                lists(&format!("{ERROR_PREFIX}Forbidden")),
                !all,
                "{}.{}: Forbidden is listed exactly when a role may not call it",
                i.name,
                m.name
            );
        }
        Kind::Property { .. } => assert!(
            lists("org.freedesktop.DBus.Error.AccessDenied"),
            "{}.{}: a property lists AccessDenied for callers without a role",
            i.name,
            m.name
        ),
        Kind::Signal => {}
    }
}

/// "A, B and C".
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What each role may use of the interface, for its man page.
fn man_roles(i: &Iface) -> String {
    let mut out = String::new();
    let groups = [
        ("admin", "latchd\\-admin"),
        ("viewer", "latchd\\-view"),
        ("feeder", "latchd\\-feed"),
    ];
    for (n, (role, group)) in groups.iter().enumerate() {
        let of = |kind: fn(&Kind) -> bool| -> Vec<&str> {
            i.members
                .iter()
                .filter(|m| kind(&m.kind) && roles(m)[n])
                .map(|m| m.name.as_str())
                .collect()
        };
        let methods = of(|k| *k == Kind::Method);
        let all_methods = i.members.iter().filter(|m| m.kind == Kind::Method).count();
        let properties = of(|k| matches!(k, Kind::Property { .. }));
        let signals = of(|k| *k == Kind::Signal);
        let mut parts = Vec::new();
        if !methods.is_empty() && methods.len() == all_methods && all_methods > 1 {
            parts.push("every method".to_string());
        } else if !methods.is_empty() {
            parts.push(and_list(&methods));
        }
        if !properties.is_empty() {
            parts.push(format!("reading {}", and_list(&properties)));
        }
        if !signals.is_empty() {
            parts.push(format!("receiving {}", and_list(&signals)));
        }
        let text = if parts.is_empty() {
            "Nothing of this interface.".to_string()
        } else {
            capitalised(&parts.join("; ")) + "."
        };
        let _ = write!(out, ".TP\n.BR {role} \" [\" {group} ]\n");
        out += &roff_text(&text);
    }
    out
}

/// The table of who may use what, from the Who paragraphs.
fn authorization(ifaces: &[Iface]) -> String {
    let mut out = String::from(
        "\n## Who may use what\n\n\
         uid 0 is an admin; otherwise the groups in `[auth]` decide \
         (`dbus/README.md`, Authorization). A method answers a caller without \
         a role `Unauthorized` and another role `Forbidden`; a property read \
         answers both `org.freedesktop.DBus.Error.AccessDenied`; a signal \
         reaches whom the bus policy lets receive it.\n\n\
         | member | admin | viewer | feeder | no role |\n|---|---|---|---|---|\n",
    );
    for i in ifaces {
        let short = i.name.strip_prefix(PREFIX).unwrap_or(&i.name);
        for m in &i.members {
            check_roles(i, m);
            let (yes, no, none, kind) = match m.kind {
                Kind::Method => ("yes", "Forbidden", "Unauthorized", ""),
                Kind::Property { .. } => ("yes", "AccessDenied", "AccessDenied", "property "),
                Kind::Signal => ("received", "not received", "not received", "signal "),
            };
            let cells: Vec<&str> = roles(m).iter().map(|r| if *r { yes } else { no }).collect();
            let _ = writeln!(
                out,
                "| {kind}`{short}.{}` | {} | {} | {} | {none} |",
                m.name, cells[0], cells[1], cells[2]
            );
        }
    }
    out
}

// --- Markdown ---------------------------------------------------------------

fn markdown(i: &Iface) -> String {
    let mut out = format!(
        "\n## {}\n\n{}. Object `/{}`; man page `{}(5)`.\n\n",
        i.name,
        capitalised(&i.short),
        i.name.replace('.', "/"),
        i.name
    );
    for p in &i.doc {
        out += p;
        out += "\n\n";
    }
    for m in &i.members {
        let kind = match m.kind {
            Kind::Method => "method",
            Kind::Signal => "signal",
            Kind::Property { .. } => "property",
        };
        let _ = write!(out, "### {kind} `{}`\n\n", heading(m));
        let named: Vec<&Arg> = m.args.iter().filter(|a| !a.name.is_empty()).collect();
        if named.is_empty() {
            let _ = write!(out, "Type `{}`.\n\n", m.args[0].ty);
        }
        for a in &named {
            let dir = match (&m.kind, a.out) {
                (Kind::Signal, _) => "",
                (_, true) => ", out",
                (_, false) => ", in",
            };
            let _ = writeln!(out, "- `{}` (`{}`{dir}): {}", a.name, a.ty, a.doc);
        }
        if !named.is_empty() {
            out += "\n";
        }
        for p in &m.doc.paragraphs {
            out += p;
            out += "\n\n";
        }
        if let Some(who) = &m.doc.who {
            out += who;
            out += "\n\n";
        }
        if !m.doc.errors.is_empty() {
            out += errors_title(m);
            out += "\n\n";
            for e in &m.doc.errors {
                if e.text.is_empty() {
                    let _ = writeln!(out, "- `{}`", e.name);
                } else {
                    let _ = writeln!(out, "- `{}` {}", e.name, e.text);
                }
            }
            out += "\n";
        }
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
