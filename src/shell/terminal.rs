//! The full-screen terminal: raw mode, the alternate screen and mouse capture,
//! given back on every way out (drop, panic, signal).
//!
//! Frames are written through one large buffer, bracketed by synchronized
//! update marks: stdout's own buffer flushes every kilobyte, so a redraw
//! after a resize used to reach the terminal (and a tmux mirror, or an ssh
//! link) in pieces, and a reader could see half a frame.

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::Once;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{execute, queue};
use ratatui::backend::CrosstermBackend;
use ratatui::{Frame, Terminal};

/// Big enough for a full 300x100 frame with colours in one write.
const FRAME_BUFFER: usize = 256 * 1024;

pub type Screen = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// Gives the terminal back when dropped.
pub struct Guard {
    mouse: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore(self.mouse);
    }
}

/// Puts the terminal in full-screen mode. The guard restores it; so does a
/// panic, before the panic message is printed (else it is lost on the
/// alternate screen).
pub fn open(mouse: bool) -> io::Result<(Screen, Guard)> {
    install_panic_hook();
    enable_raw_mode()?;
    let guard = Guard { mouse };
    enter(mouse)?;
    let screen = Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(
        FRAME_BUFFER,
        io::stdout(),
    )))?;
    Ok((screen, guard))
}

/// Draws one frame, delivered whole.
pub fn draw(screen: &mut Screen, render: impl FnOnce(&mut Frame)) -> io::Result<()> {
    queue!(screen.backend_mut(), BeginSynchronizedUpdate)?;
    screen.draw(render)?;
    execute!(screen.backend_mut(), EndSynchronizedUpdate)
}

/// Leaves full-screen mode for a while (a command that needs the terminal),
/// keeping the guard: [`resume`] comes back.
pub fn suspend(mouse: bool) -> io::Result<()> {
    let mut out = io::stdout();
    if mouse {
        execute!(out, DisableMouseCapture)?;
    }
    execute!(out, LeaveAlternateScreen, crossterm::cursor::Show)?;
    disable_raw_mode()
}

/// Back to full screen after [`suspend`]; the next frame is drawn whole.
pub fn resume(screen: &mut Screen, mouse: bool) -> io::Result<()> {
    enable_raw_mode()?;
    enter(mouse)?;
    screen.clear()
}

fn enter(mouse: bool) -> io::Result<()> {
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

/// Every step's error is ignored: the terminal may be gone (tmux
/// kill-session, a dropped ssh link: EIO). `ratatui::restore` reports its
/// errors with `eprintln!`, which panics when stderr is that same dead
/// terminal, and inside the panic hook that panic aborts the process with
/// its commands and lock left behind.
fn restore(mouse: bool) {
    let mut out = io::stdout();
    if mouse {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, EndSynchronizedUpdate);
    let _ = disable_raw_mode();
    let _ = execute!(out, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = out.flush();
}

/// Closes the screen without ratatui's `Drop`, which, with the cursor
/// hidden, reports a failure to show it with `eprintln!` (a panic on a
/// terminal that is gone).
pub fn close(mut screen: Screen) {
    if screen.show_cursor().is_err() {
        // Nothing is left to write to; the buffer goes with the process.
        std::mem::forget(screen);
    }
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore(true);
            previous(info);
        }));
    });
}
