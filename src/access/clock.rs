//! Whether the system clock can be trusted. A panel without a real-time
//! clock wakes from a power cut in 1970; until NTP (or an RTC) sets the
//! time, validity windows must not be believed.
//!
//! Who knows: systemd-timedated, whose `NTPSynchronized` property is what
//! `timedatectl` shows as "System clock synchronized". latchd asks it over
//! the system bus (it is bus-activated), and asks the kernel itself
//! (`adjtimex`, the test timedated makes) only when the system bus or
//! timedated is not there.
//!
//! Why not always the kernel: under latchd.service the call is refused.
//! `ProtectClock=yes` and `SystemCallFilter=@system-service` forbid
//! `adjtimex` whatever its arguments (a seccomp filter cannot tell a read
//! from a write), so the kernel's answer would always be "unsynchronised"
//! and every identifier limited in time would be denied. Allowing the call
//! would mean lifting `ProtectClock=` for one read; asking the service whose
//! job the answer is keeps the sandbox whole and gives the same answer as
//! `timedatectl`.
//!
//! Only the poll task talks to the bus; a decision reads a flag.

use crate::domain::decision::Clock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often the clock is asked while it is not synchronised (or while
/// only the kernel answers).
const POLL: Duration = Duration::from_secs(5);
/// How often once timedated says it is: losing synchronisation is rare,
/// and timedated may exit between two questions.
const POLL_SYNCHRONISED: Duration = Duration::from_secs(60);
/// How long an answer from the bus may take (activation included).
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

const TIMEDATED: &str = "org.freedesktop.timedate1";
const TIMEDATED_PATH: &str = "/org/freedesktop/timedate1";

#[derive(Clone)]
pub struct ClockWatch {
    synchronised: Arc<AtomicBool>,
    require_sync: bool,
}

impl ClockWatch {
    /// With `require_sync`, keeps the synchronisation state current from a
    /// task (it starts with the kernel's word, when the kernel gives it).
    /// Without, nobody is asked: the decision does not look.
    pub fn start(require_sync: bool) -> ClockWatch {
        let watch = ClockWatch {
            synchronised: Arc::new(AtomicBool::new(
                require_sync && kernel_state().unwrap_or(false),
            )),
            require_sync,
        };
        if require_sync {
            tokio::spawn(poll(watch.synchronised.clone()));
        }
        watch
    }

    /// The clock as the access decision sees it.
    pub fn now(&self) -> Clock {
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Clock {
            now_unix,
            synchronised: self.synchronised.load(Ordering::Relaxed),
            require_sync: self.require_sync,
        }
    }
}

/// Where the last answer came from, to log only changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Timedated,
    Kernel,
    /// Neither answered: the clock is not trusted.
    Nobody,
}

async fn poll(flag: Arc<AtomicBool>) {
    let mut bus: Option<zbus::Connection> = None;
    let mut last_source = None;
    loop {
        if bus.is_none() {
            bus = connect().await;
        }
        let (now, source) = match &bus {
            Some(conn) => match ask_timedated(conn).await {
                Ok(synchronised) => (synchronised, Source::Timedated),
                Err(no_answer) => {
                    if last_source == Some(Source::Timedated) || last_source.is_none() {
                        log::info!(error = no_answer.why(); "systemd-timedated does not answer");
                    }
                    // A broken connection is made again next time.
                    if let NoAnswer::Bus(_) = no_answer {
                        bus = None;
                    }
                    ask_kernel()
                }
            },
            None => ask_kernel(),
        };
        if last_source != Some(source) {
            match source {
                Source::Timedated => log::info!("clock synchronisation: asking systemd-timedated"),
                Source::Kernel => log::info!("clock synchronisation: asking the kernel"),
                Source::Nobody => log::warn!("clock synchronisation: neither systemd-timedated nor the kernel answers; identifiers limited in time are denied"),
            }
            last_source = Some(source);
        }
        if flag.swap(now, Ordering::Relaxed) != now {
            log::info!(synchronised = now; "system clock synchronisation changed");
        }
        // The kernel is cheap to ask, and while it is asked timedated may
        // appear: only timedated's "synchronised" is asked again slowly.
        let slow = now && source == Source::Timedated;
        tokio::time::sleep(if slow { POLL_SYNCHRONISED } else { POLL }).await;
    }
}

/// The system bus (honouring `DBUS_SYSTEM_BUS_ADDRESS`), when there is one.
async fn connect() -> Option<zbus::Connection> {
    let connecting = async { zbus::connection::Builder::system()?.build().await };
    match tokio::time::timeout(ASK_TIMEOUT, connecting).await {
        Ok(Ok(conn)) => Some(conn),
        _ => None,
    }
}

/// Why timedated gave no answer.
enum NoAnswer {
    /// It is not there, refused, or took too long.
    Service(String),
    /// The connection to the bus failed.
    Bus(String),
}

impl NoAnswer {
    fn why(&self) -> &str {
        match self {
            NoAnswer::Service(why) | NoAnswer::Bus(why) => why,
        }
    }
}

/// timedated's `NTPSynchronized`.
async fn ask_timedated(conn: &zbus::Connection) -> Result<bool, NoAnswer> {
    let ask = async {
        let properties = zbus::fdo::PropertiesProxy::builder(conn)
            .destination(TIMEDATED)?
            .path(TIMEDATED_PATH)?
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?;
        let interface = zbus::names::InterfaceName::from_static_str_unchecked(TIMEDATED);
        let value = properties.get(interface, "NTPSynchronized").await?;
        bool::try_from(value).map_err(|e| zbus::fdo::Error::ZBus(e.into()))
    };
    match tokio::time::timeout(ASK_TIMEOUT, ask).await {
        Ok(Ok(synchronised)) => Ok(synchronised),
        Ok(Err(zbus::fdo::Error::ZBus(e))) => Err(NoAnswer::Bus(e.to_string())),
        Ok(Err(e)) => Err(NoAnswer::Service(e.to_string())),
        Err(_) => Err(NoAnswer::Service("no answer in time".into())),
    }
}

fn ask_kernel() -> (bool, Source) {
    match kernel_state() {
        Ok(synchronised) => (synchronised, Source::Kernel),
        Err(_) => (false, Source::Nobody),
    }
}

/// The kernel's NTP state: not TIME_ERROR and no STA_UNSYNC, the test
/// systemd-timedated uses for NTPSynchronized. False when the call is
/// refused.
pub fn kernel_synchronised() -> bool {
    kernel_state().unwrap_or(false)
}

/// The kernel's NTP state, or why it cannot be had (EPERM in the unit's
/// sandbox).
#[allow(unsafe_code)]
fn kernel_state() -> std::io::Result<bool> {
    // SAFETY: adjtimex with modes = 0 only reads; the struct is plain data
    // that the kernel fills in, and all-zero is a valid value for it.
    let mut tx: libc::timex = unsafe { std::mem::zeroed() };
    let state = unsafe { libc::adjtimex(&mut tx) };
    if state < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(state != libc::TIME_ERROR && tx.status & libc::STA_UNSYNC == 0)
}
