//! Whether the clock is synchronised comes from systemd-timedated over the
//! system bus, as it must under latchd.service (where the kernel call is
//! refused). A stand-in timedated on a private "system bus"
//! (DBUS_SYSTEM_BUS_ADDRESS) answers NTPSynchronized; latchd serves its own
//! objects on another bus, as in the other tests. Until the stand-in is
//! there latchd asks the kernel.

use crate::common;
use common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// systemd-timedated, as far as latchd asks it.
struct Timedated {
    synchronised: Arc<AtomicBool>,
}

#[zbus::interface(name = "org.freedesktop.timedate1")]
impl Timedated {
    #[zbus(property, name = "NTPSynchronized")]
    fn ntp_synchronized(&self) -> bool {
        self.synchronised.load(Ordering::SeqCst)
    }
}

/// The policy a system bus has for timedated.
const TIMEDATED_POLICY: &str = r#"
  <policy context="default">
    <allow own="org.freedesktop.timedate1"/>
    <allow send_destination="org.freedesktop.timedate1"/>
  </policy>"#;

const QR: &str = "123e4567-e89b-12d3-a456-426614174000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_is_trusted_when_timedated_says_so() {
    let system = Bus::start_with(TIMEDATED_POLICY);
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    // [clock] require_sync is true by default.
    let config = write_config(
        dir.path(),
        &dir.path().join("data"),
        "[[lock]]\nname = \"first\"\nopen_time_ms = 3000\n",
    );
    let mut daemon = Daemon::start_with_env(
        &bus,
        &config,
        &[("DBUS_SYSTEM_BUS_ADDRESS", system.address.as_str())],
    );
    let conn = bus.connect().await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let body = serde_json::json!({
        "identifier_owner": {"name": "Q", "type": "guest"},
        "identifier_type": "qr", "identifier_number": QR, "lock": "first",
        "valid": {"time": {"is_permanent": false, "from": now - 3600, "to": now + 3600},
                  "passes": {"is_permanent": true}},
    });
    IdentifiersProxy::new(&conn)
        .await
        .unwrap()
        .create(&body.to_string())
        .await
        .unwrap();
    let access = AccessProxy::new(&conn).await.unwrap();

    // No timedated on the system bus yet: the kernel is asked.
    assert!(
        daemon.wait_for_log("systemd-timedated does not answer", Duration::from_secs(10)),
        "{}",
        daemon.log()
    );
    let kernel = latchd::access::clock::kernel_synchronised();
    let expected = |synchronised: bool| {
        if synchronised {
            (true, "granted".to_string())
        } else {
            (false, "clock not synchronised".to_string())
        }
    };
    assert_eq!(access.present("qr", QR).await.unwrap(), expected(kernel));

    // timedated appears, saying the opposite of the kernel: its word counts.
    let synchronised = Arc::new(AtomicBool::new(!kernel));
    let _timedated = zbus::connection::Builder::address(system.address.as_str())
        .unwrap()
        .name("org.freedesktop.timedate1")
        .unwrap()
        .serve_at(
            "/org/freedesktop/timedate1",
            Timedated {
                synchronised: synchronised.clone(),
            },
        )
        .unwrap()
        .build()
        .await
        .unwrap();
    // latchd asks every 5 s while the clock is not synchronised, every
    // minute once it is: wait for the answer to change.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answer = access.present("qr", QR).await.unwrap();
        if answer == expected(!kernel) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "latchd still answers {answer:?}:\n{}",
            daemon.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(daemon
        .log()
        .contains("clock synchronisation: asking systemd-timedated"));
    assert_eq!(daemon.stop(), Some(0));
}
