//! The `latchd` daemon. It only starts things: the store, the access path, the D-Bus objects;
//! then it waits for a signal and stops them in the reverse order.

use latchd::access::{self, AccessPath};
use latchd::config::{Config, DEFAULT_PATH};
use latchd::store::Store;
use latchd::{dbus, logging, storage};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const HELP: &str = "\
latchd - door controller daemon for Linux panels

Usage:
  latchd [--config FILE] [--bus-address ADDRESS]
  latchd --check-config FILE
  latchd --reseal FILE

Options:
  -c, --config FILE      configuration file (default /etc/latchd/latchd.toml)
  --bus-address ADDRESS  serve on this D-Bus address instead of the system bus
                         (the system bus honours DBUS_SYSTEM_BUS_ADDRESS)
  --check-config FILE    check FILE and the data it points to, print what is
                         wrong with file and line, exit non-zero on errors
  --reseal FILE          accept a data snapshot changed by hand: check that
                         the data folder of config FILE reads back, then
                         seal identifiers.toml anew (latchd must be stopped)
  -h, --help             this help
  -V, --version          the version

latchd serves org.latchd.Panel1 (see latchd(8) and the busctl examples in
/usr/share/doc/latchd/README.md). LATCHD_LOG sets the log level (default info).
";

enum Mode {
    Run {
        config: PathBuf,
        bus_address: Option<String>,
    },
    Check(PathBuf),
    Reseal(PathBuf),
    Help,
    Version,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Mode, String> {
    let mut config = None;
    let mut bus_address = None;
    let mut check = None;
    let mut reseal = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Mode::Help),
            "-V" | "--version" => return Ok(Mode::Version),
            "--config" | "-c" => config = Some(PathBuf::from(value("--config")?)),
            "--bus-address" => bus_address = Some(value("--bus-address")?),
            "--check-config" => check = Some(PathBuf::from(value("--check-config")?)),
            "--reseal" => reseal = Some(PathBuf::from(value("--reseal")?)),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(match (check, reseal) {
        (Some(_), Some(_)) => return Err("--check-config and --reseal exclude each other".into()),
        (Some(file), None) => Mode::Check(file),
        (None, Some(file)) => Mode::Reseal(file),
        (None, None) => Mode::Run {
            config: config.unwrap_or_else(|| PathBuf::from(DEFAULT_PATH)),
            bus_address,
        },
    })
}

fn main() -> ExitCode {
    let mode = match parse_args(std::env::args().skip(1)) {
        Ok(mode) => mode,
        Err(e) => {
            eprintln!("latchd: {e}");
            return ExitCode::from(2);
        }
    };
    match mode {
        Mode::Help => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Mode::Version => {
            println!("latchd {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Mode::Check(file) => check(&file),
        Mode::Reseal(file) => reseal(&file),
        Mode::Run {
            config,
            bus_address,
        } => {
            logging::init();
            return_large_allocations();
            match run(&config, bus_address) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    log::error!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `--check-config`: the config, then the data folder it names, read only.
fn check(file: &Path) -> ExitCode {
    let config = match Config::load(file) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match storage::load(config.storage.dir.get_ref(), config.rules()) {
        Ok(loaded) => {
            println!(
                "{}: ok; {} identifiers in {}{}",
                file.display(),
                loaded.registry.len(),
                config.storage.dir.get_ref().display(),
                if loaded.torn_tail {
                    " (an incomplete last journal line will be dropped at start)"
                } else {
                    ""
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// `--reseal`: accepts a snapshot edited by hand, once it reads back.
fn reseal(file: &Path) -> ExitCode {
    let config = match Config::load(file) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match storage::reseal(config.storage.dir.get_ref(), config.rules()) {
        Ok(count) => {
            println!(
                "{}: sealed; {count} identifiers",
                config
                    .storage
                    .dir
                    .get_ref()
                    .join("identifiers.toml")
                    .display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(config_path: &Path, bus_address: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::load(config_path)?;
    let (storage, registry) = storage::Storage::open(config.storage.dir.get_ref(), config.rules())?;
    log::info!(
        identifiers = registry.len(),
        dir = config.storage.dir.get_ref().display().to_string().as_str();
        "data loaded"
    );
    log_board();
    let (store, owner) = Store::start(registry, storage)?;
    // The relays are set locked, and the readers run, before the bus is
    // even reached: a door does not depend on management.
    let access = access::start(&config, store.clone())?;
    let served = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Box::<dyn std::error::Error>::from)
        .and_then(|runtime| runtime.block_on(serve(&config, bus_address, store, &access)));
    // Whatever happened on the bus side, the relays end locked.
    access.stop();
    // The last store handle is gone: the owner thread finishes and ends.
    let _ = owner.join();
    served
}

/// Serves the bus until SIGTERM or SIGINT, then takes the objects off it.
async fn serve(
    config: &Config,
    bus_address: Option<String>,
    store: Store,
    access: &AccessPath,
) -> Result<(), Box<dyn std::error::Error>> {
    let builder = match &bus_address {
        Some(addr) => zbus::connection::Builder::address(addr.as_str())?,
        None => zbus::connection::Builder::system()?,
    };
    let conn = builder.build().await?;
    let served = async {
        dbus::serve(&conn, store, access, config.auth.clone()).await?;
        log::info!(bus_name = dbus::BUS_NAME; "ready");
        tokio::select! {
            stop = wait_for_stop() => {
                stop?;
                log::info!("stopping");
                Ok(())
            }
            // Running on without the bus would look healthy to systemd while
            // nobody can manage the panel: end, so it restarts latchd.
            _ = conn.closed() => {
                log::error!("lost the connection to the bus; exiting to be restarted");
                Err("lost the connection to the bus".into())
            }
        }
    }
    .await;
    // The objects hold store handles: they go, however serving ended, so
    // the store's owner thread sees its last handle go.
    dbus::unserve(&conn).await;
    served
}

/// Memory of large messages goes back to the system when they are freed.
/// A D-Bus message may be 32 MiB, and anyone may send latchd one (it is
/// refused only once read). glibc serves such a buffer from a mapping of its
/// own, but after freeing one it raises its threshold to that size, so the
/// next flood of large messages is served from the heap and stays resident
/// (hundreds of MB on a panel with 1 GB). A fixed threshold keeps them
/// mapped and returned.
#[allow(unsafe_code)]
fn return_large_allocations() {
    // SAFETY: mallopt only changes glibc's allocation policy; called once at
    // start, before any other thread exists.
    let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024) };
    if set != 1 {
        log::warn!("could not fix the allocator's mmap threshold");
    }
}

/// Which Raspberry Pi this is, when it is one (support requests start here).
fn log_board() {
    match rppal::system::DeviceInfo::new() {
        Ok(info) => log::info!(
            model = info.model().to_string().as_str(),
            soc = info.soc().to_string().as_str();
            "running on a Raspberry Pi"
        ),
        Err(_) => {
            log::info!("not a Raspberry Pi (or not recognised); GPIO lines are found by name")
        }
    }
}

async fn wait_for_stop() -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
