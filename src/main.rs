//! The `latchd` daemon.

use latchd::config::{Config, DEFAULT_PATH};
use latchd::hardware::gpio::GpioRelay;
use latchd::locks::{LockSpec, Locks, VirtualRelay};
use latchd::{dbus, logging, service, storage};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const HELP: &str = "\
latchd - door controller daemon for Linux panels

Usage:
  latchd [--config FILE] [--bus-address ADDRESS]
  latchd --check-config FILE

Options:
  --config FILE          configuration file (default /etc/latchd/latchd.toml)
  --bus-address ADDRESS  serve on this D-Bus address instead of the system bus
                         (the system bus honours DBUS_SYSTEM_BUS_ADDRESS)
  --check-config FILE    check FILE and the data it points to, print what is
                         wrong with file and line, exit non-zero on errors
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
    Help,
    Version,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Mode, String> {
    let mut config = None;
    let mut bus_address = None;
    let mut check = None;
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
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(match check {
        Some(file) => Mode::Check(file),
        None => Mode::Run {
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
        Mode::Run {
            config,
            bus_address,
        } => {
            logging::init();
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
    match storage::load(&config.storage.dir, config.rules()) {
        Ok(loaded) => {
            println!(
                "{}: ok; {} identifiers in {}{}",
                file.display(),
                loaded.registry.len(),
                config.storage.dir.display(),
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

fn run(config_path: &Path, bus_address: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::load(config_path)?;
    let (storage, registry) = storage::Storage::open(&config.storage.dir, config.rules())?;
    log::info!(
        identifiers = registry.len(),
        dir = config.storage.dir.display().to_string().as_str();
        "data loaded"
    );
    log_board();
    let (store, owner) = service::spawn(registry, storage)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let access = latchd::AccessRuntime::start()?;
    let on_access = access.handle.clone();
    runtime.block_on(async move {
        // The relays, the clock watch and the door inputs live on the access
        // path's own runtime.
        // Relays are set locked before the bus is even reached.
        let locks = {
            let _inside = on_access.enter();
            Locks::start(lock_specs(&config)?)?
        };
        let builder = match &bus_address {
            Some(addr) => zbus::connection::Builder::address(addr.as_str())?,
            None => zbus::connection::Builder::system()?,
        };
        let conn = builder.build().await?;
        let clock = {
            let _inside = on_access.enter();
            latchd::clock::ClockWatch::start(config.clock.require_sync)
        };
        let events =
            latchd::events::EventLog::open(&config.storage.dir, *config.events.keep.get_ref())?;
        let gate = latchd::gate::Gate::new(
            store.clone(),
            locks.clone(),
            clock,
            events.clone(),
            config.rules().master_card,
        );
        {
            let _inside = on_access.enter();
            start_door_inputs(&config, &locks, &gate)?;
        }
        for (n, input) in config.input.into_iter().enumerate() {
            let input = input.into_inner();
            let kind = input.reader_kind().map_err(|(_, message)| message)?;
            let source = format!("input{n}:{}", input.kind.get_ref());
            let reader = latchd::readers::Reader::new(
                source,
                kind,
                config.enrolment.settings(),
                std::time::Duration::from_millis(input.debounce_ms),
            );
            on_access.spawn(latchd::hardware::input::run(
                input,
                reader,
                gate.clone(),
                store.clone(),
            ));
        }
        dbus::serve(&conn, store, locks.clone(), gate, config.auth).await?;
        log::info!(bus_name = dbus::BUS_NAME; "ready");
        wait_for_stop().await?;
        log::info!("stopping");
        // Without the objects the last database handle is gone, so the
        // owner thread finishes what it has and ends.
        dbus::unserve(&conn).await?;
        locks.shutdown().await;
        events.flush();
        drop(conn);
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    access.stop();
    drop(runtime);
    let _ = owner.join();
    Ok(())
}

/// The configured locks, each relay requested at its locked level. A lock
/// whose line cannot be had stops the start: a door that cannot open (or
/// might not lock) must not look configured.
fn lock_specs(config: &Config) -> std::io::Result<Vec<LockSpec>> {
    let mut specs = Vec::new();
    for lock in &config.lock {
        let lock = lock.get_ref();
        let name = lock.name.get_ref().clone();
        let relay: Box<dyn latchd::locks::Relay> = match Config::line_of(lock) {
            None => Box::new(VirtualRelay),
            Some(address) => {
                let relay = GpioRelay::request(&address, lock.active_low, &name)
                    .map_err(|e| std::io::Error::new(e.kind(), format!("lock {name:?}: {e}")))?;
                log::info!(lock = name.as_str(), line = format!("{address:?}").as_str(); "relay line requested, locked");
                Box::new(relay)
            }
        };
        specs.push(LockSpec {
            name,
            open_time: std::time::Duration::from_millis(*lock.open_time_ms.get_ref()),
            relay,
        });
    }
    Ok(specs)
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

/// Exit buttons and door contacts of the locks, on GPIO edge events.
fn start_door_inputs(
    config: &Config,
    locks: &Locks,
    gate: &latchd::gate::Gate,
) -> std::io::Result<()> {
    use latchd::hardware::gpio::watch_input;
    for lock in &config.lock {
        let lock = lock.get_ref();
        let name = lock.name.get_ref().clone();
        let active_low = lock.inputs_active_low;
        if let Some(line) = &lock.exit_button {
            let (tx, rx) = tokio::sync::mpsc::channel(16);
            watch_input(line, active_low, &format!("latchd-exit-{name}"), tx).map_err(|e| {
                std::io::Error::new(e.kind(), format!("lock {name:?} exit_button: {e}"))
            })?;
            tokio::spawn(latchd::door::exit_button(
                name.clone(),
                rx,
                locks.clone(),
                gate.clone(),
            ));
        }
        if let Some(line) = &lock.door_contact {
            let (tx, rx) = tokio::sync::mpsc::channel(16);
            let open =
                watch_input(line, active_low, &format!("latchd-door-{name}"), tx).map_err(|e| {
                    std::io::Error::new(e.kind(), format!("lock {name:?} door_contact: {e}"))
                })?;
            let held_open = std::time::Duration::from_secs(lock.held_open_s);
            tokio::spawn(latchd::door::door_contact(
                name.clone(),
                open,
                rx,
                held_open,
                gate.clone(),
            ));
        }
    }
    Ok(())
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
