//! The cockpit's terminal side, behind one trait so that the same loop runs
//! on the real terminal (`Real`: crossterm, raw mode, signals) and in tests
//! on ratatui's `TestBackend` with scripted keys, clock and worker messages
//! (`Script`).

use std::io;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use ratatui::backend::Backend;
use ratatui::{Frame, Terminal};
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior, interval};

use crate::domain::monitor::{self, ScriptClock, Ticks};
use crate::shell::terminal::{self, Guard, Screen};

/// What the loop needs of a terminal.
#[allow(async_fn_in_trait)] // used generically, never as `dyn`
pub trait Front {
    /// Draws one frame, delivered whole.
    fn draw(&mut self, render: impl FnOnce(&mut Frame)) -> io::Result<()>;
    /// The next key, mouse or resize; `None` once the terminal is gone.
    async fn next_event(&mut self) -> Option<io::Result<TermEvent>>;
    /// The clock the state runs on (taken once, by the loop).
    fn clock(&mut self) -> Clock;
    /// Hands the terminal to a command (`t`); stops reading keys.
    fn suspend(&mut self) -> io::Result<()>;
    /// The command ended: raw mode again, keys read again, the screen still
    /// the command's until [`Front::resume`].
    fn command_ended(&mut self, line: &str) -> io::Result<()>;
    /// Full screen again after [`Front::suspend`].
    fn resume(&mut self) -> io::Result<()>;
    /// OSC 52: onto the clipboard of the terminal's machine.
    fn copy(&mut self, text: &str);
    /// Whether signals (SIGTERM, SIGHUP) and the machine sampler belong to
    /// this cockpit: a test's process is not the cockpit's.
    fn owns_process(&self) -> bool;
    /// Gives the terminal back.
    fn close(self);
}

/// The state's clock: the wall clock once a second, or a script's ticks.
/// The probes follow the same one ([`Clock::probe_ticks`]).
pub enum Clock {
    Wall(Interval),
    Script {
        clock: ScriptClock,
        ticks: mpsc::UnboundedReceiver<DateTime<Utc>>,
    },
    Stopped,
}

impl Clock {
    /// A probe worker's schedule on this clock: the wall clock's grid, or
    /// one probe per `interval` of the script's time.
    pub fn probe_ticks(&self, interval: Duration) -> Ticks {
        match self {
            Clock::Script { clock, .. } => clock.ticks(interval),
            Clock::Wall(_) | Clock::Stopped => Ticks::wall(monitor::Clock::start(), interval),
        }
    }

    pub async fn tick(&mut self) -> DateTime<Utc> {
        match self {
            Clock::Wall(i) => {
                i.tick().await;
                Utc::now()
            }
            Clock::Script { ticks, .. } => match ticks.recv().await {
                Some(t) => t,
                // No more ticks: the test's clock stands still.
                None => std::future::pending().await,
            },
            Clock::Stopped => std::future::pending().await,
        }
    }
}

/// The real terminal.
pub struct Real {
    screen: Screen,
    _guard: Guard,
    mouse: bool,
    events: Option<EventStream>,
    clock: Option<Interval>,
}

impl Real {
    pub fn open(mouse: bool) -> io::Result<Real> {
        let (screen, guard) = terminal::open(mouse)?;
        let mut clock = interval(std::time::Duration::from_secs(1));
        clock.set_missed_tick_behavior(MissedTickBehavior::Skip);
        Ok(Real {
            screen,
            _guard: guard,
            mouse,
            events: Some(EventStream::new()),
            clock: Some(clock),
        })
    }
}

impl Front for Real {
    fn draw(&mut self, render: impl FnOnce(&mut Frame)) -> io::Result<()> {
        terminal::draw(&mut self.screen, render)
    }

    async fn next_event(&mut self) -> Option<io::Result<TermEvent>> {
        match &mut self.events {
            Some(e) => e.next().await,
            None => std::future::pending().await,
        }
    }

    fn clock(&mut self) -> Clock {
        self.clock.take().map_or(Clock::Stopped, Clock::Wall)
    }

    fn suspend(&mut self) -> io::Result<()> {
        // The key reader would take the command's input.
        self.events = None;
        terminal::suspend(self.mouse)
    }

    fn command_ended(&mut self, line: &str) -> io::Result<()> {
        use std::io::Write;
        let _ = writeln!(io::stdout(), "{line}");
        // Raw mode again, so one key (not a line) brings the screen back.
        crossterm::terminal::enable_raw_mode()?;
        self.events = Some(EventStream::new());
        Ok(())
    }

    fn resume(&mut self) -> io::Result<()> {
        terminal::resume(&mut self.screen, self.mouse)?;
        if self.events.is_none() {
            self.events = Some(EventStream::new());
        }
        Ok(())
    }

    fn copy(&mut self, text: &str) {
        let _ = copy_to_clipboard(&mut io::stdout(), text);
    }

    fn owns_process(&self) -> bool {
        true
    }

    fn close(self) {
        terminal::close(self.screen);
    }
}

/// A test's terminal: any backend (`TestBackend`), keys and clock ticks
/// from channels, every drawn frame's text out on a channel, copies kept.
pub struct Script<B: Backend> {
    pub terminal: Terminal<B>,
    keys: mpsc::UnboundedReceiver<TermEvent>,
    /// Listening from the start: ticks sent before the loop runs wait for it.
    clock: Option<(ScriptClock, mpsc::UnboundedReceiver<DateTime<Utc>>)>,
    frames: mpsc::UnboundedSender<String>,
    copies: mpsc::UnboundedSender<String>,
}

/// The test's side of a [`Script`].
pub struct Driver {
    pub keys: mpsc::UnboundedSender<TermEvent>,
    /// The loop's ticks and the probes' rounds: `send` moves the time on,
    /// `advance` also waits for the probes up to it.
    pub clock: ScriptClock,
    pub frames: mpsc::UnboundedReceiver<String>,
    pub copies: mpsc::UnboundedReceiver<String>,
}

impl<B: Backend> Script<B> {
    pub fn new(backend: B) -> io::Result<(Script<B>, Driver)> {
        Script::with_clock(backend, ScriptClock::new(DateTime::UNIX_EPOCH))
    }

    /// [`Script::new`] on a clock the test shares with other parts (the
    /// demo's simulated service).
    pub fn with_clock(backend: B, clock: ScriptClock) -> io::Result<(Script<B>, Driver)> {
        let (keys_tx, keys) = mpsc::unbounded_channel();
        let (frames, frames_rx) = mpsc::unbounded_channel();
        let (copies, copies_rx) = mpsc::unbounded_channel();
        let terminal = Terminal::new(backend).map_err(|e| io::Error::other(e.to_string()))?;
        Ok((
            Script {
                terminal,
                keys,
                clock: Some((clock.clone(), clock.listen())),
                frames,
                copies,
            },
            Driver {
                keys: keys_tx,
                clock,
                frames: frames_rx,
                copies: copies_rx,
            },
        ))
    }
}

impl<B: Backend> Front for Script<B> {
    fn draw(&mut self, render: impl FnOnce(&mut Frame)) -> io::Result<()> {
        let frame = self
            .terminal
            .draw(render)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let area = frame.buffer.area;
        let mut text = String::new();
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                text.push_str(frame.buffer[(x, y)].symbol());
            }
            text.push('\n');
        }
        let _ = self.frames.send(text);
        Ok(())
    }

    async fn next_event(&mut self) -> Option<io::Result<TermEvent>> {
        // The test dropping its sender is the terminal closing.
        self.keys.recv().await.map(Ok)
    }

    fn clock(&mut self) -> Clock {
        self.clock
            .take()
            .map_or(Clock::Stopped, |(clock, ticks)| Clock::Script {
                clock,
                ticks,
            })
    }

    fn suspend(&mut self) -> io::Result<()> {
        Err(io::Error::other(
            "a scripted terminal cannot run a command in itself",
        ))
    }

    fn command_ended(&mut self, _: &str) -> io::Result<()> {
        Ok(())
    }

    fn resume(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn copy(&mut self, text: &str) {
        let _ = self.copies.send(text.to_string());
    }

    fn owns_process(&self) -> bool {
        false
    }

    fn close(self) {}
}

/// OSC 52 (crossterm's `CopyToClipboard`): the terminal (and tmux, with
/// set-clipboard on) puts `text` on the system clipboard, even over ssh.
pub fn copy_to_clipboard(out: &mut impl io::Write, text: &str) -> io::Result<()> {
    crossterm::execute!(
        out,
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_copy_writes_osc_52_with_the_text_in_base64() {
        for (text, encoded) in [
            (
                "kubectl rollout undo deploy/terp",
                "a3ViZWN0bCByb2xsb3V0IHVuZG8gZGVwbG95L3RlcnA=",
            ),
            ("a", "YQ=="),
            ("ab", "YWI="),
            ("abc", "YWJj"),
            ("pé ✓", "cMOpIOKckw=="),
            ("", ""),
        ] {
            let mut out = Vec::new();
            super::copy_to_clipboard(&mut out, text).unwrap();
            // OSC 52, the system clipboard (`c`), ended by ST.
            assert_eq!(
                String::from_utf8(out).unwrap(),
                format!("\x1b]52;c;{encoded}\x1b\\"),
                "{text:?}"
            );
        }
    }
}
