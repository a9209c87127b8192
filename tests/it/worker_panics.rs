//! A panic in a worker (a reader thread, a spawned task) while the cockpit
//! runs is reported to the loop and never runs the hook that restores the
//! terminal; a panic on the loop itself still does. One test: the panic hook
//! is process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rollout_cockpit::shell::cockpit::{Msg, report_worker_panics};
use tokio::sync::mpsc;

static RESTORED: AtomicUsize = AtomicUsize::new(0);

fn next_panic(rx: &mut mpsc::UnboundedReceiver<Msg>) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match rx.try_recv() {
            Ok(Msg::Panicked(what)) => return what,
            Ok(_) => {}
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("no panic reported: {e}"),
        }
    }
}

#[test]
fn worker_panics_are_reported_and_leave_the_terminal_alone() {
    // Stands in for the terminal's hook (installed by `terminal::open`).
    std::panic::set_hook(Box::new(|info| {
        eprintln!("hook: {info}");
        RESTORED.fetch_add(1, Ordering::SeqCst);
    }));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let guard = report_worker_panics(&tx);

    let reader = std::thread::Builder::new()
        .name("exec-1-Stdout".into())
        .spawn(|| panic!("index out of bounds in a reader"))
        .unwrap();
    assert!(reader.join().is_err());
    let what = next_panic(&mut rx);
    assert!(
        what.contains("exec-1-Stdout") && what.contains("index out of bounds in a reader"),
        "{what}"
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let joined = rt.block_on(async { tokio::spawn(async { panic!("a task failed") }).await });
    assert!(joined.is_err());
    assert!(next_panic(&mut rx).contains("a task failed"));
    assert_eq!(
        RESTORED.load(Ordering::SeqCst),
        0,
        "a worker panic restored the terminal"
    );

    // The loop's own panic: the terminal must come back before the message.
    assert!(std::panic::catch_unwind(|| panic!("the loop failed")).is_err());
    assert_eq!(RESTORED.load(Ordering::SeqCst), 1);

    // Once the cockpit is gone, every panic takes the usual way.
    drop(guard);
    assert!(std::thread::spawn(|| panic!("late")).join().is_err());
    assert_eq!(RESTORED.load(Ordering::SeqCst), 2);
}
