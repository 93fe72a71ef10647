//! latchd's arguments: one clap definition for the parser, `--help` and
//! the OPTIONS of latchd(8).

use crate::config::DEFAULT_PATH;
use clap::Parser;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
latchd serves org.latchd.Panel1 (see latchd(8) and the busctl examples in
/usr/share/doc/latchd/api-tour.md). SIGHUP reloads the configuration (a bad
file is refused and the running one stays); SIGTERM and SIGINT stop latchd
with every relay locked. LATCHD_LOG sets the log level (default info).";

/// latchd's command line. A flag given twice counts as given once, the
/// last time; bad arguments exit 2.
#[derive(Parser, Debug, PartialEq)]
#[command(
    name = "latchd",
    version,
    about = "door controller daemon for Linux panels",
    after_help = AFTER_HELP,
    args_override_self = true
)]
pub struct Args {
    /// configuration file
    #[arg(
        short = 'c',
        long,
        value_name = "FILE",
        default_value = DEFAULT_PATH,
        long_help = "The configuration file, see latchd.toml(5)."
    )]
    pub config: PathBuf,

    /// serve on this D-Bus address instead of the system bus (the system
    /// bus honours DBUS_SYSTEM_BUS_ADDRESS)
    #[arg(
        long,
        value_name = "ADDRESS",
        long_help = "Serve on this D-Bus address (such as unix:path=/run/example/socket) \
                     instead of the system bus. Without it the system bus is used, \
                     honouring DBUS_SYSTEM_BUS_ADDRESS."
    )]
    pub bus_address: Option<String>,

    /// check FILE and the data it points to, print what is wrong with file
    /// and line, exit non-zero on errors
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "reseal",
        long_help = "Check the configuration and the data it points to, without writing \
                     anything and without starting anything, and exit. It prints \
                     \"FILE: ok; N identifiers in DIR\" and exits 0 (saying so when an \
                     incomplete last journal line, from a crash, will be dropped at the \
                     next start), or prints what is wrong as \"file:line: message\" and \
                     exits 1. GPIO lines and input devices are not looked for."
    )]
    pub check_config: Option<PathBuf>,

    /// accept a data snapshot changed by hand: check that the data folder of
    /// config FILE reads back, then seal identifiers.toml anew (latchd must
    /// be stopped)
    #[arg(
        long,
        value_name = "FILE",
        long_help = "Accept a data snapshot changed by hand. identifiers.toml carries a \
                     seal, and latchd refuses a snapshot whose seal does not match (see \
                     FILES); after a deliberate edit, stop latchd and run latchd --reseal \
                     with its configuration file. It checks that the snapshot in the data \
                     folder reads back as latchd would read it (every identifier valid), \
                     writes the seal anew (atomically), then reads the whole folder, \
                     journal included, and prints \"SNAPSHOT: sealed; N identifiers\" and \
                     exits 0; otherwise it prints what is wrong as --check-config does and \
                     exits 1 (the snapshot is rewritten only once it reads back). It takes \
                     the data folder's lock, so it is refused while latchd runs (\"DIR: \
                     another latchd is using this data folder\"). --check-config and \
                     --reseal exclude each other."
    )]
    pub reseal: Option<PathBuf>,
}

/// What latchd is asked to do.
#[derive(Debug, PartialEq)]
pub enum Mode {
    Run {
        config: PathBuf,
        bus_address: Option<String>,
    },
    Check(PathBuf),
    Reseal(PathBuf),
}

impl Args {
    /// `--check-config` or `--reseal` when given (clap refuses both), else
    /// running with `--config` and `--bus-address`.
    pub fn mode(self) -> Mode {
        match (self.check_config, self.reseal) {
            (Some(file), _) => Mode::Check(file),
            (None, Some(file)) => Mode::Reseal(file),
            (None, None) => Mode::Run {
                config: self.config,
                bus_address: self.bus_address,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Mode, ErrorKind> {
        Args::try_parse_from(std::iter::once("latchd").chain(args.iter().copied()))
            .map(Args::mode)
            .map_err(|e| e.kind())
    }

    #[test]
    fn the_flags_of_latchd() {
        assert_eq!(
            parse(&[]),
            Ok(Mode::Run {
                config: PathBuf::from(DEFAULT_PATH),
                bus_address: None
            })
        );
        let run = Ok(Mode::Run {
            config: PathBuf::from("/x.toml"),
            bus_address: Some("unix:path=/b".into()),
        });
        assert_eq!(
            parse(&["-c", "/x.toml", "--bus-address", "unix:path=/b"]),
            run
        );
        assert_eq!(
            parse(&["--config=/x.toml", "--bus-address=unix:path=/b"]),
            run
        );
        assert_eq!(
            parse(&[
                "--config",
                "/y.toml",
                "--config",
                "/x.toml",
                "--bus-address=unix:path=/b"
            ]),
            run
        );
        assert_eq!(
            parse(&["--check-config", "/x.toml"]),
            Ok(Mode::Check("/x.toml".into()))
        );
        assert_eq!(
            parse(&["--reseal=/x.toml"]),
            Ok(Mode::Reseal("/x.toml".into()))
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert_eq!(
            parse(&["--check-config", "a", "--reseal", "b"]),
            Err(ErrorKind::ArgumentConflict)
        );
        assert_eq!(parse(&["--config"]), Err(ErrorKind::InvalidValue));
        assert_eq!(parse(&["--frobnicate"]), Err(ErrorKind::UnknownArgument));
        assert_eq!(parse(&["--help"]), Err(ErrorKind::DisplayHelp));
        assert_eq!(parse(&["-V"]), Err(ErrorKind::DisplayVersion));
    }

    #[test]
    fn the_definition_is_sound() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
