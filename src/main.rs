//! The `latchd` daemon. It only starts things: the relays, the store, the access path, the
//! D-Bus objects; then it waits for a signal. SIGHUP reloads the configuration (the access
//! path is stopped and started again from it); SIGTERM and SIGINT stop everything in the
//! reverse order. Under systemd it says so: READY=1, RELOADING=1, STOPPING=1, STATUS=.

use clap::Parser;
use latchd::access::{self, AccessPath};
use latchd::config::Config;
use latchd::process::args::{Args, Mode};
use latchd::process::notify::Notifier;
use latchd::process::signals::{Signal, Signals};
use latchd::process::{log_board, logging, return_large_allocations};
use latchd::store::Store;
use latchd::{dbus, storage};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // Help and version exit 0, bad arguments 2, each with clap's message.
    match Args::parse().mode() {
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
    let notifier = Notifier::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // Signals are caught from here on: a SIGHUP or SIGTERM during the
    // start waits for it to finish instead of killing latchd.
    let signals = {
        let _inside = runtime.enter();
        Signals::new()?
    };
    let config = Config::load(config_path)?;
    // The relays first, at their locked level: a door that a latchd which
    // died left open is locked before the data is even read.
    let relays = access::request_relays(&config, access::HeldRelays::default())?;
    let (storage, registry) = storage::Storage::open(config.storage.dir.get_ref(), config.rules())?;
    log::info!(
        identifiers = registry.len(),
        dir = config.storage.dir.get_ref().display().to_string().as_str();
        "data loaded"
    );
    log_board();
    let (store, owner) = Store::start(registry, storage)?;
    let shared = access::Shared::open(&config, notifier.clone())?;
    // A panic anywhere drives every relay locked before latchd aborts.
    access::install_panic_hook(shared.board.failsafe().clone());
    // The readers run before the bus is even reached: a door does not
    // depend on management.
    let access = access::start(&config, relays, store.clone(), &shared)?;
    let mut daemon = Daemon {
        config_path: config_path.to_path_buf(),
        groups: dbus::auth::Groups::new(config.auth.clone()),
        config,
        store,
        shared,
        access: Some(access),
        stranded: None,
        notifier,
    };
    let served = runtime.block_on(daemon.serve(bus_address, signals));
    // Whatever happened on the bus side, the relays end locked.
    if let Some(access) = daemon.access.take() {
        // Dropped: the lines are released, at their locked level.
        drop(access.stop());
    }
    // Those of a reload that could start neither configuration: released
    // as latchd exits.
    drop(daemon.stranded.take());
    drop(daemon);
    drop(runtime);
    // The last store handle is gone: the owner thread finishes and ends.
    let _ = owner.join();
    served
}

/// The running daemon: what serving and a reload need.
struct Daemon {
    config_path: PathBuf,
    config: Config,
    store: Store,
    shared: access::Shared,
    /// Always there, but while a reload swaps it.
    access: Option<AccessPath>,
    /// The relays of a reload that could start neither configuration:
    /// held at their locked level until latchd exits.
    stranded: Option<access::HeldRelays>,
    groups: dbus::auth::Groups,
    notifier: Notifier,
}

impl Daemon {
    /// Serves the bus until SIGTERM or SIGINT (reloading on SIGHUP), then
    /// takes the objects off it.
    async fn serve(
        &mut self,
        bus_address: Option<String>,
        mut signals: Signals,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let builder = match &bus_address {
            Some(addr) => zbus::connection::Builder::address(addr.as_str())?,
            None => zbus::connection::Builder::system()?,
        };
        // No call of latchd's waits for ever on an answer the bus dropped.
        let conn = builder
            .method_timeout(Duration::from_secs(25))
            .build()
            .await?;
        let Some(access) = &self.access else {
            return Err("the access path is not running".into());
        };
        let current = access::Current::new(access, &self.shared);
        let served = async {
            dbus::serve(&conn, self.store.clone(), &current, self.groups.clone()).await?;
            log::info!(bus_name = dbus::BUS_NAME; "ready");
            self.notifier.ready(&self.status());
            loop {
                tokio::select! {
                    signal = signals.next() => match signal? {
                        Signal::Stop => {
                            log::info!("stopping");
                            self.notifier.stopping("stopping: locking every relay");
                            return Ok(());
                        }
                        Signal::Reload => self.reload(&current).await?,
                    },
                    // Running on without the bus would look healthy to systemd while
                    // nobody can manage the panel: end, so it restarts latchd.
                    _ = conn.closed() => {
                        log::error!("lost the connection to the bus; exiting to be restarted");
                        return Err("lost the connection to the bus".into());
                    }
                }
            }
        }
        .await;
        // The objects hold store handles: they go, however serving ended, so
        // the store's owner thread sees its last handle go.
        dbus::unserve(&conn).await;
        served
    }

    fn status(&self) -> String {
        format!(
            "serving {}: {} identifiers, {} locks, {} inputs",
            dbus::BUS_NAME,
            self.store.count(),
            self.config.lock.len(),
            self.config.input.len()
        )
    }

    /// SIGHUP: reads and checks the configuration file again. A bad file is
    /// refused (its file and line logged) and the running configuration
    /// stays. A good one takes effect whole ([`access::restart`]): the
    /// access path is stopped (every relay driven locked, its line kept)
    /// and started again from it, then the store's rules and the role
    /// groups are swapped, all while D-Bus calls wait.
    ///
    /// On each failure the relays stay held at their locked level: when a
    /// relay line of the new configuration cannot be had, or its access
    /// path cannot start (a relay that cannot be set locked, a door input
    /// line missing), every relay comes back and the previous
    /// configuration's access path is started again with them, its lines
    /// never released (but for a moment one that the new configuration
    /// gave another lock or polarity: see [`access::request_relays`]). If
    /// even that fails, the relays are kept, locked, and latchd ends with a
    /// failure, to be restarted.
    async fn reload(
        &mut self,
        current: &access::Current,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let file = self.config_path.display().to_string();
        log::info!(config = file.as_str(); "SIGHUP: reloading the configuration");
        self.notifier.reloading("reloading the configuration");
        let mut new = match Config::load(&self.config_path) {
            Ok(config) => config,
            Err(e) => {
                log::error!(error = e.to_string().as_str(); "the configuration is refused; the running one stays");
                self.notifier
                    .ready(&format!("configuration refused ({e}); {}", self.status()));
                return Ok(());
            }
        };
        keep_what_needs_a_restart(&self.config, &mut new);

        // From here D-Bus calls wait; those already running finish first.
        let mut slot = current.swap().await;
        let Some(old) = self.access.take() else {
            return Err("the access path is not running".into());
        };
        let (store, shared) = (self.store.clone(), self.shared.clone());
        let (wanted, running) = (new.clone(), self.config.clone());
        let swapped = tokio::task::spawn_blocking(move || {
            access::restart(old, &wanted, &running, &store, &shared)
        })
        .await
        .map_err(|e| format!("the access path could not be restarted: {e}"))?;
        let (access, refused) = match swapped {
            Ok(swapped) => swapped,
            Err(access::NotStarted { error, held }) => {
                log::error!(error = error.to_string().as_str(); "neither the new nor the previous configuration's access path starts; exiting to be restarted");
                self.stranded = Some(held);
                return Err(error.into());
            }
        };
        *slot = access.gate.clone();
        self.access = Some(access);
        if let Some(e) = refused {
            log::error!(config = file.as_str(), error = e.to_string().as_str(); "the new configuration's locks or inputs cannot be had; the previous configuration runs again");
            self.notifier.ready(&format!(
                "configuration not applied ({e}); {}",
                self.status()
            ));
            return Ok(());
        }
        if let Err(e) = self.store.set_rules(new.rules()).await {
            log::error!(error = e.to_string().as_str(); "could not give the store the new rules");
        }
        self.groups.set(new.auth.clone());
        self.config = new;
        drop(slot);
        log::info!(
            config = file.as_str(),
            locks = self.config.lock.len(),
            inputs = self.config.input.len();
            "configuration reloaded"
        );
        self.notifier.ready(&self.status());
        Ok(())
    }
}

/// `[storage] dir` and `[events] keep` belong to files latchd holds open:
/// a reload keeps the running values and says that they need a restart.
fn keep_what_needs_a_restart(running: &Config, new: &mut Config) {
    if new.storage.dir.get_ref() != running.storage.dir.get_ref() {
        log::warn!(
            running = running.storage.dir.get_ref().display().to_string().as_str(),
            configured = new.storage.dir.get_ref().display().to_string().as_str();
            "[storage] dir changes only with a restart; the running data folder stays"
        );
        new.storage.dir = running.storage.dir.clone();
    }
    if new.events.keep.get_ref() != running.events.keep.get_ref() {
        log::warn!(
            running = *running.events.keep.get_ref() as u64,
            configured = *new.events.keep.get_ref() as u64;
            "[events] keep changes only with a restart; the running value stays"
        );
        new.events.keep = running.events.keep.clone();
    }
}
