//! SIGHUP reloads the configuration of the real latchd: what a good file
//! changes ([[lock]], [panel], [clock], [[input]], [auth]), that the relays
//! are locked across the swap, that a bad file is refused with its file and
//! line and the running configuration stays, that a lock whose line cannot
//! be had brings the previous configuration back, that [storage] dir needs
//! a restart, and that D-Bus calls during reloads are all answered.

use crate::common;
use common::*;
use nix::sys::signal::Signal;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const RELOADED: &str = "configuration reloaded";
const REFUSED: &str = "the configuration is refused";

/// Writes `text` as the config, sends SIGHUP, and waits for the reload to
/// end with `outcome` in the log (its `nth` time).
fn reload(s: &Setup, text: &str, outcome: &str) {
    let before = s.daemon.log_count(outcome);
    write_config(s.dir.path(), &s.data, text);
    s.daemon.signal(Signal::SIGHUP);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while s.daemon.log_count(outcome) == before {
        assert!(
            std::time::Instant::now() < deadline,
            "no {outcome:?} after SIGHUP:\n{}",
            s.daemon.log()
        );
        assert!(
            name_owned(&s.bus),
            "latchd is gone after SIGHUP:\n{}",
            s.daemon.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn states(s: &Setup) -> HashMap<String, String> {
    LocksProxy::builder(&s.conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .unwrap()
        .states()
        .await
        .unwrap()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn code(number: &str) -> String {
    serde_json::json!({
        "identifier_owner": {"name": "A", "type": "owner"},
        "identifier_type": "inputCode", "identifier_number": number, "lock": "all",
    })
    .to_string()
}

const FIRST: &str =
    "[clock]\nrequire_sync = false\n\n[[lock]]\nname = \"first\"\nopen_time_ms = 30000\n";

#[tokio::test]
async fn a_good_file_takes_effect_without_a_restart() {
    let s = Setup::start(FIRST).await;
    let ids = s.identifiers().await;
    let t = now();
    let qr = serde_json::json!({
        "identifier_owner": {"name": "Q", "type": "guest"},
        "identifier_type": "qr", "identifier_number": "123e4567-e89b-12d3-a456-426614174000",
        "lock": "first",
        "valid": {"time": {"is_permanent": false, "from": t - 3600, "to": t + 3600},
                  "passes": {"is_permanent": true}},
    });
    ids.create(&qr.to_string()).await.unwrap();
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let locks = LocksProxy::new(&s.conn).await.unwrap();
    assert_eq!(
        access
            .present("qr", "123e4567-e89b-12d3-a456-426614174000")
            .await
            .unwrap(),
        (true, "granted".to_string())
    );
    // Open for 30 s when the reload comes.
    assert_eq!(states(&s).await["first"], "open");

    reload(
        &s,
        "[panel]\nmaster_code = \"5678\"\nmaster_card = \"12:34:56:78\"\n\n\
         [[lock]]\nname = \"first\"\nopen_time_ms = 30000\n\n\
         [[lock]]\nname = \"second\"\nopen_time_ms = 300\n\n\
         [[input]]\nkind = \"keypad\"\npath = \"/nonexistent/latchd-test-keypad\"\n",
        RELOADED,
    );
    // The relays were locked across the swap, and the new lock is there.
    let st = states(&s).await;
    assert_eq!(
        (st["first"].as_str(), st["second"].as_str()),
        ("locked", "locked"),
        "{st:?}"
    );

    // [panel]: the new master code opens every lock; the old one is gone,
    // from the decision and from validation alike.
    assert_eq!(
        access.present("inputCode", "5678").await.unwrap(),
        (true, "master code".to_string())
    );
    assert_eq!(
        access.present("inputCode", "1234").await.unwrap(),
        (false, "unknown identifier".to_string())
    );
    let (name, message) = error_of(ids.create(&code("5678")).await);
    assert_eq!(
        (name.as_str(), message.as_str()),
        (
            BAD_REQUEST,
            "Cannot create identifier with the same input code number as master code"
        )
    );
    ids.create(&code("1234")).await.unwrap();

    // [[lock]]: the new open time.
    let st = states(&s).await;
    assert_eq!(
        (st["first"].as_str(), st["second"].as_str()),
        ("open", "open")
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let st = states(&s).await;
    assert_eq!(
        (st["first"].as_str(), st["second"].as_str()),
        ("open", "locked")
    );
    locks.open("second").await.unwrap();

    // [clock]: require_sync is back to its default, true.
    let answer = access
        .present("qr", "123e4567-e89b-12d3-a456-426614174000")
        .await
        .unwrap();
    if !latchd::access::clock::kernel_synchronised() {
        assert_eq!(answer, (false, "clock not synchronised".to_string()));
    }

    // [[input]]: a reader is waiting for its device.
    assert!(
        s.daemon.wait_for_log(
            "input device not present; waiting for it source=input0:keypad",
            Duration::from_secs(10)
        ),
        "{}",
        s.daemon.log()
    );

    // A reload without the second lock takes it away, locked.
    reload(&s, FIRST, RELOADED);
    let st = states(&s).await;
    assert_eq!(st.len(), 1, "{st:?}");
    assert_eq!(st["first"], "locked");
    let (name, _) = error_of(locks.open("second").await);
    assert_eq!(name, "org.latchd.Panel1.Error.NotFound");
    assert_eq!(
        access.present("inputCode", "1234").await.unwrap(),
        (true, "master code".to_string())
    );
}

#[tokio::test]
async fn a_bad_file_is_refused_and_the_running_configuration_stays() {
    let mut s = Setup::start(FIRST).await;
    let access = AccessProxy::new(&s.conn).await.unwrap();

    // A value out of range: refused with its file and line.
    reload(&s, "[panel]\nmaster_code = \"12a4\"\n", REFUSED);
    let config = s.dir.path().join("latchd.toml");
    let line = std::fs::read_to_string(&config)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("master_code"))
        .unwrap()
        + 1;
    assert!(
        s.daemon.log().contains(&format!(
            "error={}:{line}: panel.master_code must be 1 to 10 digits",
            config.display()
        )),
        "{}",
        s.daemon.log()
    );
    // A file that is not TOML, and one that sets nothing.
    reload(&s, "[[lock]\nname = \"first\"", REFUSED);
    assert!(s
        .daemon
        .log()
        .contains(&format!("error={}:", config.display())));
    std::fs::write(&config, "").unwrap();
    let before = s.daemon.log_count(REFUSED);
    s.daemon.signal(Signal::SIGHUP);
    assert!(s
        .daemon
        .wait_for_log("the file sets nothing", Duration::from_secs(30)));
    assert!(s.daemon.log_count(REFUSED) > before);

    // The running configuration stays: the master code, the lock.
    assert_eq!(
        access.present("inputCode", "1234").await.unwrap(),
        (true, "master code".to_string())
    );
    assert_eq!(states(&s).await["first"], "open");

    // A lock whose line cannot be had: the new configuration checks out,
    // but its access path cannot start; the previous one runs again.
    reload(
        &s,
        &format!("{FIRST}\n[[lock]]\nname = \"second\"\nline = \"LATCHD_TEST_NO_SUCH_LINE\"\n"),
        "the previous configuration runs again",
    );
    assert!(s.daemon.log().contains("LATCHD_TEST_NO_SUCH_LINE"));
    let st = states(&s).await;
    assert_eq!(st.len(), 1, "{st:?}");
    assert_eq!(st["first"], "locked");
    assert_eq!(
        access.present("inputCode", "1234").await.unwrap(),
        (true, "master code".to_string())
    );

    // [storage] dir needs a restart: the rest applies, the data stays.
    let ids = s.identifiers().await;
    ids.create(&card("4242", "Kept")).await.unwrap();
    let elsewhere = s.dir.path().join("elsewhere");
    write_config(
        s.dir.path(),
        &elsewhere,
        &format!("[panel]\nmaster_code = \"9999\"\n{FIRST}"),
    );
    let before = s.daemon.log_count(RELOADED);
    s.daemon.signal(Signal::SIGHUP);
    assert!(s.daemon.wait_for_log(
        "[storage] dir changes only with a restart",
        Duration::from_secs(30)
    ));
    while s.daemon.log_count(RELOADED) == before {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(ids.count().await.unwrap(), 1);
    assert!(!elsewhere.exists());
    assert_eq!(
        access.present("inputCode", "9999").await.unwrap(),
        (true, "master code".to_string())
    );

    // Never an exit: SIGTERM still ends it cleanly, with the data kept.
    assert_eq!(s.daemon.stop(), Some(0));
    assert!(s.data.join("identifiers.toml").exists() || journal_segment(&s.data).is_some());
    write_config(s.dir.path(), &s.data, FIRST);
    s.restart_stopped();
    assert_eq!(s.identifiers().await.count().await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_during_reloads_are_all_answered() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let s = Setup::start(FIRST).await;
    let access = AccessProxy::new(&s.conn).await.unwrap();
    let ids = s.identifiers().await;
    let done = Arc::new(AtomicBool::new(false));
    let until = done.clone();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let presenting = tokio::spawn(async move {
        let (mut answers, mut created) = (Vec::new(), 0);
        while !until.load(Ordering::SeqCst) {
            answers.push(access.present("inputCode", "1234").await.unwrap());
            counted.fetch_add(1, Ordering::SeqCst);
            if answers.len() % 10 == 0 {
                ids.create(&code(&format!("{}", 70000 + answers.len())))
                    .await
                    .unwrap();
                created += 1;
            }
        }
        (answers, created)
    });
    for _ in 0..5 {
        // Calls go on through every reload, however slow the machine: each
        // reload waits for two more answers before the next.
        let before = count.load(Ordering::SeqCst);
        reload(&s, FIRST, RELOADED);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while count.load(Ordering::SeqCst) < before + 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    done.store(true, Ordering::SeqCst);
    let (answers, created) = presenting.await.unwrap();
    assert!(
        answers.len() >= 10,
        "{} calls during 5 reloads",
        answers.len()
    );
    assert!(
        answers
            .iter()
            .all(|a| *a == (true, "master code".to_string())),
        "{answers:?}"
    );
    assert_eq!(s.identifiers().await.count().await.unwrap(), created);
}

/// `dbus-send` as `user` (with its groups) calling Identifiers.Create.
fn create_as(bus: &Bus, user: &str, number: &str) -> Result<(), String> {
    let out = std::process::Command::new("setpriv")
        .arg(format!(
            "--reuid={}",
            nix::unistd::User::from_name(user).unwrap().unwrap().uid
        ))
        .arg(format!(
            "--regid={}",
            nix::unistd::User::from_name(user).unwrap().unwrap().gid
        ))
        .arg("--init-groups")
        .args([
            "dbus-send",
            &format!("--bus={}", bus.address),
            "--print-reply",
            "--dest=org.latchd.Panel1",
            "/org/latchd/Panel1/Identifiers",
            "org.latchd.Panel1.Identifiers.Create",
            &format!("string:{}", card(number, "Via reload")),
        ])
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[tokio::test]
async fn the_role_groups_of_a_reloaded_file_decide() {
    if !common::accounts::can_switch_users() {
        return;
    }
    let s = Setup::start(FIRST).await;
    let viewer = common::accounts::VIEWER;
    let refused = create_as(&s.bus, viewer, "5001").unwrap_err();
    assert!(
        refused.contains("Administrator rights required"),
        "{refused}"
    );
    reload(
        &s,
        &format!("{FIRST}\n[auth]\nadmin_groups = [\"latchd-view\"]\n"),
        RELOADED,
    );
    create_as(&s.bus, viewer, "5001").unwrap();
    reload(&s, FIRST, RELOADED);
    let refused = create_as(&s.bus, viewer, "5002").unwrap_err();
    assert!(
        refused.contains("Administrator rights required"),
        "{refused}"
    );
}
