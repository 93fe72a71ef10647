//! The signals latchd handles: SIGTERM and SIGINT stop it, SIGHUP reloads
//! the configuration.

/// What a signal asks of latchd.
pub enum Signal {
    /// SIGTERM, SIGINT.
    Stop,
    /// SIGHUP.
    Reload,
}

/// The signals latchd handles, caught from the moment they are set up.
pub struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    /// Needs to run inside a tokio runtime.
    pub fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    pub async fn next(&mut self) -> std::io::Result<Signal> {
        tokio::select! {
            _ = self.term.recv() => Ok(Signal::Stop),
            _ = self.int.recv() => Ok(Signal::Stop),
            _ = self.hup.recv() => Ok(Signal::Reload),
        }
    }
}
