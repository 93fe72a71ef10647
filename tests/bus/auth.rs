//! Authorization with real users and groups: a private dbus-daemon with
//! latchd's policy, the real latchd (as root), and `dbus-send` run as
//! non-root users through `setpriv`, so the bus, not the test, tells latchd
//! who is calling. `dbus-send` prints the D-Bus error name and message of a
//! failed call, which is what the contract fixes.
//!
//! The users and groups are created on the machine when missing (system
//! accounts without a home): groups `latchd-admin`, `latchd-view`,
//! `latchd-feed`; users `latchd-t-admin`, `latchd-t-view`, `latchd-t-feed`
//! (each in the group of its role) and `latchd-t-none` (in none of them).
//! That needs root: as any other user these tests say they are skipped and
//! pass. CI runs them as root.

use crate::common;
use common::*;
use std::process::Stdio;

const UNAUTHORIZED: &str = "org.latchd.Panel1.Error.Unauthorized";
const FORBIDDEN: &str = "org.latchd.Panel1.Error.Forbidden";
const ACCESS_DENIED: &str = "org.freedesktop.DBus.Error.AccessDenied";
const LOG_IN: &str = "Log In";
const ADMIN_REQUIRED: &str = "Administrator rights required";

const IFACE: &str = "org.latchd.Panel1.Identifiers";
const PATH: &str = "/org/latchd/Panel1/Identifiers";

use common::accounts::{can_switch_users as can_run, ADMIN, FEEDER, NOBODY, VIEWER};

/// How a call is made: as root, or through `setpriv` as another user.
#[derive(Clone)]
struct Caller(Vec<String>);

impl Caller {
    fn root() -> Caller {
        Caller(Vec::new())
    }

    /// `user` with its primary group and its groups from the group database,
    /// as after a login.
    fn user(user: &str) -> Caller {
        Caller::with(user, &["--init-groups"])
    }

    /// `user` with its primary group and the `setpriv` group options `groups`.
    fn with(user: &str, groups: &[&str]) -> Caller {
        let u = nix::unistd::User::from_name(user)
            .unwrap()
            .unwrap_or_else(|| panic!("no user {user}"));
        Caller::ids(u.uid, u.gid, groups)
    }

    /// User id `uid`, group id `gid` and the `setpriv` group options `groups`.
    fn ids(uid: nix::unistd::Uid, gid: nix::unistd::Gid, groups: &[&str]) -> Caller {
        let mut argv = vec![
            "setpriv".to_string(),
            format!("--reuid={uid}"),
            format!("--regid={gid}"),
        ];
        argv.extend(groups.iter().map(|g| g.to_string()));
        Caller(argv)
    }

    /// Calls `member` (`Interface.Method`) on the Identifiers object with
    /// `dbus-send` arguments; Ok is the printed reply, Err the error name and
    /// message.
    async fn call(
        &self,
        bus: &Bus,
        member: &str,
        args: &[&str],
    ) -> Result<String, (String, String)> {
        let member = if member.contains('.') {
            member.to_string()
        } else {
            format!("{IFACE}.{member}")
        };
        // A member of another of latchd's interfaces goes to its object.
        let path = member
            .strip_prefix("org.latchd.Panel1.")
            .and_then(|rest| rest.split_once('.'))
            .map_or(PATH.to_string(), |(object, _)| {
                format!("/org/latchd/Panel1/{object}")
            });
        let mut argv = self.0.clone();
        argv.extend([
            "dbus-send".to_string(),
            format!("--bus={}", bus.address),
            "--print-reply".to_string(),
            "--dest=org.latchd.Panel1".to_string(),
            path,
            member.clone(),
        ]);
        argv.extend(args.iter().map(|a| a.to_string()));
        let out = tokio::process::Command::new(&argv[0])
            .args(&argv[1..])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap_or_else(|e| panic!("{} must be installed: {e}", argv[0]));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            return Ok(stdout);
        }
        // dbus-send: "Error NAME: MESSAGE".
        let parsed = stderr
            .trim_end()
            .strip_prefix("Error ")
            .and_then(|rest| rest.split_once(": "));
        match parsed {
            Some((name, message)) => Err((name.to_string(), message.to_string())),
            None => panic!("{argv:?} failed without a D-Bus error: {stderr}"),
        }
    }

    /// Like [`call`](Self::call), but the call must succeed.
    async fn ok(&self, bus: &Bus, member: &str, args: &[&str]) -> String {
        match self.call(bus, member, args).await {
            Ok(reply) => reply,
            Err((name, message)) => {
                panic!("{:?} {member} {args:?}: {name}: {message}", self.0)
            }
        }
    }

    /// Like [`call`](Self::call), but the call must fail.
    async fn err(&self, bus: &Bus, member: &str, args: &[&str]) -> (String, String) {
        match self.call(bus, member, args).await {
            Ok(reply) => panic!("{:?} {member} {args:?} must fail, got {reply}", self.0),
            Err(e) => e,
        }
    }
}

/// The `uint32` values of a `dbus-send --print-reply` output, in order
/// (also inside a `variant`).
fn uints(reply: &str) -> Vec<u32> {
    let words: Vec<&str> = reply.split_whitespace().collect();
    words
        .windows(2)
        .filter(|w| w[0] == "uint32")
        .map(|w| w[1].parse().unwrap())
        .collect()
}

/// The single string value of a `dbus-send --print-reply` output.
fn string(reply: &str) -> String {
    let line = reply
        .lines()
        .find_map(|l| l.trim().strip_prefix("string \""))
        .unwrap_or_else(|| panic!("no string in {reply}"));
    line.strip_suffix('"').unwrap().to_string()
}

fn sarg(value: &str) -> String {
    format!("string:{value}")
}

fn uarg(value: u32) -> String {
    format!("uint32:{value}")
}

/// Every method of the interface that needs an administrator, with
/// arguments that would succeed for one: the identifier `uid` exists.
fn admin_calls(uid: u32) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("Create", vec![sarg(&card("1001", "Mallory"))]),
        ("Update", vec![uarg(uid), sarg(&card("1002", "Mallory"))]),
        ("Delete", vec![uarg(uid)]),
        (
            "DeleteMany",
            vec![sarg(&format!("{{\"uid_items\":[{uid}]}}"))],
        ),
        (
            "Import",
            vec![sarg(&format!(
                "{{\"list_items\":[{},{}]}}",
                card("1003", "Mallory"),
                card("1004", "Mallory")
            ))],
        ),
        ("ResetPasses", vec![uarg(uid)]),
    ]
}

/// The read-only methods, with arguments that would succeed.
fn read_calls(uid: u32) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("Get", vec![uarg(uid)]),
        ("List", vec![sarg("")]),
        ("List", vec![sarg(r#"{"limit":5}"#)]),
    ]
}

const COUNT: &str = "org.freedesktop.DBus.Properties.Get";
const GET_ALL: &str = "org.freedesktop.DBus.Properties.GetAll";

fn count_args() -> Vec<String> {
    vec![sarg(IFACE), sarg("Count")]
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// A daemon with one identifier (uid 1) that has limited passes, created by
/// root over zbus.
async fn setup_with_one() -> Setup {
    setup_with_one_config("").await
}

async fn setup_with_one_config(config: &str) -> Setup {
    let s = Setup::start(config).await;
    let body = serde_json::json!({
        "identifier_owner": {"name": "Alice", "type": "owner"},
        "identifier_type": "card",
        "identifier_number": "12:34:56:79",
        "lock": "first",
        "valid": {
            "time": {"is_permanent": true},
            "passes": {"is_permanent": false, "max_passes": 3}
        }
    })
    .to_string();
    assert_eq!(s.identifiers().await.create(&body).await.unwrap(), 1);
    s
}

/// What root sees of the database: the count and the first identifier.
async fn snapshot(s: &Setup) -> (u32, String) {
    let ids = s.identifiers().await;
    (ids.count().await.unwrap(), ids.get(1).await.unwrap())
}

#[tokio::test]
async fn a_caller_without_a_role_must_log_in() {
    if !can_run() {
        return;
    }
    let s = setup_with_one().await;
    let before = snapshot(&s).await;
    let nobody = Caller::user(NOBODY);
    // Even for a uid that does not exist: who calls is decided first.
    for (method, args) in admin_calls(1)
        .into_iter()
        .chain(read_calls(1))
        .chain([("Get", vec![uarg(77)]), ("Delete", vec![uarg(0)])])
    {
        assert_eq!(
            nobody.err(&s.bus, method, &strs(&args)).await,
            (UNAUTHORIZED.to_string(), LOG_IN.to_string()),
            "{method} {args:?} as {NOBODY}"
        );
    }
    // zbus lets a property getter fail only with an fdo error: AccessDenied,
    // with the contract's message.
    assert_eq!(
        nobody.err(&s.bus, COUNT, &strs(&count_args())).await,
        (ACCESS_DENIED.to_string(), LOG_IN.to_string())
    );
    // GetAll leaves out what the caller may not read.
    let all = nobody
        .ok(&s.bus, GET_ALL, &[&format!("string:{IFACE}")])
        .await;
    assert!(!all.contains("Count"), "GetAll leaked Count: {all}");
    assert_eq!(snapshot(&s).await, before, "nothing may have changed");
}

#[tokio::test]
async fn a_viewer_reads_but_may_not_change() {
    if !can_run() {
        return;
    }
    let s = setup_with_one().await;
    let before = snapshot(&s).await;
    let viewer = Caller::user(VIEWER);

    let item: serde_json::Value =
        serde_json::from_str(&string(&viewer.ok(&s.bus, "Get", &[&uarg(1)]).await)).unwrap();
    assert_eq!(item["identifier_uid"], 1);
    assert_eq!(item["identifier_number"], "12:34:56:79");
    let page: serde_json::Value =
        serde_json::from_str(&string(&viewer.ok(&s.bus, "List", &[&sarg("")]).await)).unwrap();
    assert_eq!(page["list_option"]["pagination"]["total_items"], 1);
    assert_eq!(
        uints(&viewer.ok(&s.bus, COUNT, &strs(&count_args())).await),
        [1]
    );
    let all = viewer.ok(&s.bus, GET_ALL, &[&sarg(IFACE)]).await;
    assert!(all.contains("Count"), "{all}");
    // A viewer asking about a uid that does not exist learns just that.
    assert_eq!(
        viewer.err(&s.bus, "Get", &[&uarg(77)]).await,
        (BAD_REQUEST.to_string(), "Wrong Identifier uid".to_string())
    );

    for (method, args) in admin_calls(1) {
        assert_eq!(
            viewer.err(&s.bus, method, &strs(&args)).await,
            (FORBIDDEN.to_string(), ADMIN_REQUIRED.to_string()),
            "{method} {args:?} as {VIEWER}"
        );
    }
    // Refused before the body is even looked at.
    assert_eq!(
        viewer.err(&s.bus, "Create", &[&sarg("not json")]).await,
        (FORBIDDEN.to_string(), ADMIN_REQUIRED.to_string())
    );
    assert_eq!(snapshot(&s).await, before, "nothing may have changed");
}

#[tokio::test]
async fn a_feeder_may_not_read_identifiers() {
    if !can_run() {
        return;
    }
    let s = setup_with_one().await;
    let before = snapshot(&s).await;
    let feeder = Caller::user(FEEDER);
    for (method, args) in read_calls(1).into_iter().chain(admin_calls(1)) {
        assert_eq!(
            feeder.err(&s.bus, method, &strs(&args)).await,
            (FORBIDDEN.to_string(), ADMIN_REQUIRED.to_string()),
            "{method} {args:?} as {FEEDER}"
        );
    }
    assert_eq!(
        feeder.err(&s.bus, COUNT, &strs(&count_args())).await,
        (ACCESS_DENIED.to_string(), ADMIN_REQUIRED.to_string())
    );
    assert_eq!(snapshot(&s).await, before, "nothing may have changed");
}

/// Every method, in an order in which each succeeds, as `who`.
async fn everything_succeeds(s: &Setup, who: &Caller) {
    let uid = uints(
        &who.ok(&s.bus, "Create", &[&sarg(&card("2001", "Bob"))])
            .await,
    );
    assert_eq!(uid, [2]);
    let item: serde_json::Value =
        serde_json::from_str(&string(&who.ok(&s.bus, "Get", &[&uarg(2)]).await)).unwrap();
    assert_eq!(item["identifier_owner"]["name"], "Bob");
    who.ok(&s.bus, "Update", &[&uarg(2), &sarg(&card("2002", "Bobby"))])
        .await;
    let item: serde_json::Value =
        serde_json::from_str(&string(&who.ok(&s.bus, "Get", &[&uarg(2)]).await)).unwrap();
    assert_eq!(item["identifier_number"], "2002");
    who.ok(&s.bus, "ResetPasses", &[&uarg(1)]).await;
    let imported = who
        .ok(
            &s.bus,
            "Import",
            &[&sarg(&format!(
                "{{\"list_items\":[{},{}]}}",
                card("2003", "Carol"),
                card("2004", "Dave")
            ))],
        )
        .await;
    assert_eq!(uints(&imported), [3, 4]);
    let page: serde_json::Value =
        serde_json::from_str(&string(&who.ok(&s.bus, "List", &[&sarg("")]).await)).unwrap();
    assert_eq!(page["list_option"]["pagination"]["total_items"], 4);
    assert_eq!(
        uints(&who.ok(&s.bus, COUNT, &strs(&count_args())).await),
        [4]
    );
    who.ok(&s.bus, "DeleteMany", &[&sarg(r#"{"uid_items":[3,4]}"#)])
        .await;
    who.ok(&s.bus, "Delete", &[&uarg(2)]).await;
    assert_eq!(
        uints(&who.ok(&s.bus, COUNT, &strs(&count_args())).await),
        [1]
    );
    // A refusal that is not about rights still reads as the contract says.
    assert_eq!(
        who.err(&s.bus, "Get", &[&uarg(2)]).await,
        (BAD_REQUEST.to_string(), "Wrong Identifier uid".to_string())
    );
}

#[tokio::test]
async fn an_admin_group_member_may_do_everything() {
    if !can_run() {
        return;
    }
    let s = setup_with_one().await;
    everything_succeeds(&s, &Caller::user(ADMIN)).await;
}

#[tokio::test]
async fn root_may_do_everything() {
    if !can_run() {
        return;
    }
    let s = setup_with_one().await;
    everything_succeeds(&s, &Caller::root()).await;
}

#[tokio::test]
async fn root_is_admin_without_any_role_group() {
    if !can_run() {
        return;
    }
    let s = setup_with_one().await;
    // uid 0 with no supplementary groups at all.
    let root = Caller::ids(
        nix::unistd::Uid::from_raw(0),
        nix::unistd::Gid::from_raw(0),
        &["--clear-groups"],
    );
    assert_eq!(
        uints(
            &root
                .ok(&s.bus, "Create", &[&sarg(&card("3001", "Root"))])
                .await
        ),
        [2]
    );
}

/// Whether the bus reports the groups of a connection (`UnixGroupIDs`), here
/// asked about latchd's own connection.
async fn bus_reports_groups(s: &Setup) -> bool {
    let bus = zbus::fdo::DBusProxy::new(&s.conn).await.unwrap();
    let creds = bus
        .get_connection_credentials(zbus::names::BusName::try_from("org.latchd.Panel1").unwrap())
        .await
        .unwrap();
    creds.unix_group_ids().is_some()
}

#[tokio::test]
async fn the_groups_are_those_the_bus_reports() {
    if !can_run() {
        return;
    }
    let s = setup_with_one().await;
    let with_admin_group = Caller::with(NOBODY, &["--groups=latchd-admin"]);
    let admin_gid = nix::unistd::Group::from_name("latchd-admin")
        .unwrap()
        .unwrap()
        .gid;
    let nobody_uid = nix::unistd::User::from_name(NOBODY).unwrap().unwrap().uid;
    let admin_primary_only = Caller::ids(nobody_uid, admin_gid, &["--clear-groups"]);
    let admin_without_groups = Caller::with(ADMIN, &["--clear-groups"]);
    let create = |n: &'static str| vec![sarg(&card(n, "Eve"))];
    if bus_reports_groups(&s).await {
        eprintln!("the bus reports UnixGroupIDs: the caller's process groups decide");
        // The process's groups when it connected count, not the group file.
        with_admin_group
            .ok(&s.bus, "Create", &strs(&create("4001")))
            .await;
        // The primary group counts as one of the caller's groups.
        admin_primary_only
            .ok(&s.bus, "Create", &strs(&create("4002")))
            .await;
        assert_eq!(
            admin_without_groups
                .err(&s.bus, "Create", &strs(&create("4003")))
                .await,
            (UNAUTHORIZED.to_string(), LOG_IN.to_string())
        );
    } else {
        eprintln!("the bus does not report UnixGroupIDs: the group database decides");
        assert_eq!(
            with_admin_group
                .err(&s.bus, "Create", &strs(&create("4001")))
                .await,
            (UNAUTHORIZED.to_string(), LOG_IN.to_string())
        );
        admin_without_groups
            .ok(&s.bus, "Create", &strs(&create("4003")))
            .await;
    }
}

#[tokio::test]
async fn the_role_groups_are_those_of_the_config() {
    if !can_run() {
        return;
    }
    // The viewer group administers, a missing group is no one's, and the
    // admin group of the defaults is nothing here.
    let s = setup_with_one_config(
        "[auth]\nadmin_groups = [\"latchd-no-such-group\", \"latchd-view\"]\n\
         viewer_groups = [\"latchd-feed\"]\nfeeder_groups = []\n",
    )
    .await;
    Caller::user(VIEWER)
        .ok(&s.bus, "Create", &[&sarg(&card("5001", "Vic"))])
        .await;
    Caller::user(FEEDER).ok(&s.bus, "Get", &[&uarg(1)]).await;
    assert_eq!(
        Caller::user(FEEDER)
            .err(&s.bus, "Delete", &[&uarg(1)])
            .await,
        (FORBIDDEN.to_string(), ADMIN_REQUIRED.to_string())
    );
    assert_eq!(
        Caller::user(ADMIN).err(&s.bus, "Get", &[&uarg(1)]).await,
        (UNAUTHORIZED.to_string(), LOG_IN.to_string())
    );
}

/// `gdbus monitor` as `who`, watching signals from org.latchd.Panel1; its
/// output collects in the returned buffer.
fn monitor_as(
    who: &Caller,
    bus: &Bus,
) -> (
    tokio::process::Child,
    std::sync::Arc<std::sync::Mutex<String>>,
) {
    use tokio::io::AsyncReadExt;
    let mut argv = who.0.clone();
    argv.extend([
        "gdbus".to_string(),
        "monitor".to_string(),
        "--address".to_string(),
        bus.address.clone(),
        "--dest".to_string(),
        "org.latchd.Panel1".to_string(),
    ]);
    let mut child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("gdbus must be installed (libglib2.0-bin): {e}"));
    let mut stdout = child.stdout.take().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let out = seen.clone();
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf).await {
            if n == 0 {
                break;
            }
            out.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    (child, seen)
}

#[tokio::test]
async fn signals_reach_only_callers_with_a_role() {
    if !can_run() {
        return;
    }
    // A short open time: the lock opens and locks again between two
    // presents, so each one changes States (only changes are announced).
    let s = Setup::start(
        "[clock]\nrequire_sync = false\n\n[[lock]]\nname = \"first\"\nopen_time_ms = 100\n",
    )
    .await;
    let ids = s.identifiers().await;
    ids.create(&card("11:22:33:44", "Alice")).await.unwrap();
    let (_viewer, viewer_saw) = monitor_as(&Caller::user(VIEWER), &s.bus);
    let (_outsider, outsider_saw) = monitor_as(&Caller::user(NOBODY), &s.bus);
    let (_feeder, feeder_saw) = monitor_as(&Caller::user(FEEDER), &s.bus);
    let access = AccessProxy::new(&s.conn).await.unwrap();
    // Present until the viewer's monitor (started asynchronously) reports
    // both an AccessEvent and the lock's States change.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (granted, _) = access.present("card", "11:22:33:44").await.unwrap();
        assert!(granted);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let seen = viewer_saw.lock().unwrap().clone();
        if seen.contains("AccessEvent") && seen.contains("States") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the viewer never saw the signals: {seen}"
        );
    }
    // Delivered to the viewer, so already decided for the others too.
    for (who, saw) in [("no role", &outsider_saw), ("feeder", &feeder_saw)] {
        let saw = saw.lock().unwrap().clone();
        assert!(
            !saw.contains("AccessEvent") && !saw.contains("States"),
            "a caller with {who} received latchd's signals: {saw}"
        );
    }
}

const PROFILES: &str = "org.latchd.Panel1.TimeProfiles";
const APARTMENTS: &str = "org.latchd.Panel1.Apartments";

fn profile_body(name: &str) -> String {
    serde_json::json!({
        "name": name,
        "time_options": {"is_all_day": true, "date_from": 1767225600, "date_to": 1767225600},
        "repeat_options": {"repeat_enable": false},
    })
    .to_string()
}

fn apartment_body(room: u32) -> String {
    serde_json::json!({
        "apartment_name": "Flat",
        "apartment_address": {"building": 1, "unit": 0, "floor": 0, "room": room},
    })
    .to_string()
}

/// The methods of time profiles, apartments and the identifiers' new ones
/// that need an administrator, with arguments that would succeed for one
/// (identifier 1, profile 1 and apartment 1 exist).
fn table_admin_calls() -> Vec<(String, Vec<String>)> {
    let m = |iface: &str, name: &str| format!("{iface}.{name}");
    vec![
        (m(PROFILES, "Create"), vec![sarg(&profile_body("Q"))]),
        (
            m(PROFILES, "Update"),
            vec![uarg(1), sarg(&profile_body("R"))],
        ),
        (m(APARTMENTS, "Create"), vec![sarg(&apartment_body(7))]),
        (
            m(APARTMENTS, "Update"),
            vec![uarg(1), sarg(&apartment_body(8))],
        ),
        (m(APARTMENTS, "BindIdentifier"), vec![uarg(1), uarg(1)]),
        (m(APARTMENTS, "UnbindIdentifier"), vec![uarg(1)]),
        (m(IFACE, "AttachTimeProfile"), vec![uarg(1), uarg(1)]),
        (m(IFACE, "DetachTimeProfile"), vec![uarg(1), uarg(1)]),
        (m(APARTMENTS, "Delete"), vec![uarg(1)]),
        (m(PROFILES, "Delete"), vec![uarg(1)]),
    ]
}

fn table_read_calls() -> Vec<(String, Vec<String>)> {
    let m = |iface: &str, name: &str| format!("{iface}.{name}");
    vec![
        (m(PROFILES, "Get"), vec![uarg(1)]),
        (m(PROFILES, "List"), vec![sarg("")]),
        (m(APARTMENTS, "Get"), vec![uarg(1)]),
        (m(APARTMENTS, "List"), vec![sarg("")]),
    ]
}

/// Identifier 1, time profile 1 and apartment 1, made by root.
async fn setup_with_tables() -> Setup {
    let s = setup_with_one().await;
    let root = Caller::root();
    root.ok(
        &s.bus,
        &format!("{PROFILES}.Create"),
        &[&sarg(&profile_body("P"))],
    )
    .await;
    root.ok(
        &s.bus,
        &format!("{APARTMENTS}.Create"),
        &[&sarg(&apartment_body(1))],
    )
    .await;
    s
}

#[tokio::test]
async fn time_profiles_apartments_and_qr_obey_the_same_roles() {
    if !can_run() {
        return;
    }
    let s = setup_with_tables().await;
    let refused = |class: &str, message: &str| (class.to_string(), message.to_string());
    let everything = || table_admin_calls().into_iter().chain(table_read_calls());
    // No role: Log In, for every method.
    let nobody = Caller::user(NOBODY);
    for (method, args) in everything() {
        assert_eq!(
            nobody.err(&s.bus, &method, &strs(&args)).await,
            refused(UNAUTHORIZED, LOG_IN),
            "{method} as {NOBODY}"
        );
    }
    // A viewer reads, and may not change.
    let viewer = Caller::user(VIEWER);
    for (method, args) in table_read_calls() {
        viewer.ok(&s.bus, &method, &strs(&args)).await;
    }
    for (method, args) in table_admin_calls() {
        assert_eq!(
            viewer.err(&s.bus, &method, &strs(&args)).await,
            refused(FORBIDDEN, ADMIN_REQUIRED),
            "{method} as {VIEWER}"
        );
    }
    // GetQr is a read: a viewer gets past the role to the identifier's type.
    assert_eq!(
        viewer.err(&s.bus, "GetQr", &[&uarg(1)]).await,
        refused(
            BAD_REQUEST,
            "A QR image is only made for identifiers of type qr"
        )
    );
    // A feeder only presents.
    let feeder = Caller::user(FEEDER);
    for (method, args) in everything().chain([("GetQr".to_string(), vec![uarg(1)])]) {
        assert_eq!(
            feeder.err(&s.bus, &method, &strs(&args)).await,
            refused(FORBIDDEN, ADMIN_REQUIRED),
            "{method} as {FEEDER}"
        );
    }
    // An admin group member may do all of it, in this order.
    let admin = Caller::user(ADMIN);
    for (method, args) in table_read_calls().into_iter().chain(table_admin_calls()) {
        admin.ok(&s.bus, &method, &strs(&args)).await;
    }
}
