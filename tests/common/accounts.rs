//! Real users and groups for the tests that call as other users: groups
//! `latchd-admin`, `latchd-view`, `latchd-feed`; users `latchd-t-admin`,
//! `latchd-t-view`, `latchd-t-feed` (each in the group of its role) and
//! `latchd-t-none` (in none of them), created when missing (system accounts
//! without a home). That needs root: as any other user the tests that need
//! them say they are skipped.

use std::sync::OnceLock;

pub const ADMIN: &str = "latchd-t-admin";
pub const VIEWER: &str = "latchd-t-view";
pub const FEEDER: &str = "latchd-t-feed";
pub const NOBODY: &str = "latchd-t-none";

/// The role groups of the default `[auth]` section.
pub const ROLE_GROUPS: [&str; 3] = ["latchd-admin", "latchd-view", "latchd-feed"];

/// False (after saying so) when the tests cannot switch users.
pub fn can_switch_users() -> bool {
    if !nix::unistd::geteuid().is_root() {
        eprintln!(
            "skipped: the authorization tests create users and groups and call as them; run as root"
        );
        return false;
    }
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(ensure_accounts);
    true
}

/// Creates the test groups and users, and puts each user in exactly the
/// role group it stands for. Safe to run again and again.
fn ensure_accounts() {
    for group in ROLE_GROUPS {
        ensure_group(group);
    }
    for (user, role) in [
        (ADMIN, Some("latchd-admin")),
        (VIEWER, Some("latchd-view")),
        (FEEDER, Some("latchd-feed")),
        (NOBODY, None),
    ] {
        ensure_user(user);
        for group in ROLE_GROUPS {
            let wanted = role == Some(group);
            if wanted != in_group(user, group) {
                let (tool, args): (&str, Vec<&str>) = if wanted {
                    ("gpasswd", vec!["--add", user, group])
                } else {
                    ("gpasswd", vec!["--delete", user, group])
                };
                run(tool, &args);
            }
        }
        assert_eq!(
            ROLE_GROUPS
                .iter()
                .filter(|g| in_group(user, g))
                .copied()
                .collect::<Vec<_>>(),
            role.into_iter().collect::<Vec<_>>(),
            "{user} must be in exactly its role's group"
        );
    }
}

fn group_exists(name: &str) -> bool {
    matches!(nix::unistd::Group::from_name(name), Ok(Some(_)))
}

fn user_exists(name: &str) -> bool {
    matches!(nix::unistd::User::from_name(name), Ok(Some(_)))
}

pub fn in_group(user: &str, group: &str) -> bool {
    match nix::unistd::Group::from_name(group) {
        Ok(Some(g)) => g.mem.iter().any(|m| m == user),
        _ => false,
    }
}

fn ensure_group(name: &str) {
    if !group_exists(name) {
        // Another test binary may be doing the same: judge by the result.
        let _ = try_run("groupadd", &["--system", name]);
        assert!(group_exists(name), "could not create group {name}");
    }
}

fn ensure_user(name: &str) {
    if user_exists(name) {
        return;
    }
    // A personal group of the same name, reused if a former run left it.
    let personal = if group_exists(name) {
        vec!["--gid", name]
    } else {
        vec!["--user-group"]
    };
    let mut args = vec![
        "--system",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
    ];
    args.extend(personal);
    args.push(name);
    let _ = try_run("useradd", &args);
    assert!(user_exists(name), "could not create user {name}");
}

fn try_run(tool: &str, args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} must be installed (passwd): {e}"));
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{tool} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn run(tool: &str, args: &[&str]) {
    try_run(tool, args).unwrap_or_else(|e| panic!("{e}"));
}
