//! When a probe worker probes, and the time it stamps on what it found.
//!
//! On the wall clock: a fixed grid (`start + k × interval`) on tokio's clock,
//! stamped from the monotonic [`Clock`]. On a [`ScriptClock`] (a test's, the
//! same one the cockpit's state runs on): one probe per interval step of the
//! script's time, stamped with that step, and nothing waited for in real
//! time. The worker is the same for both; only its [`Ticks`] differ.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::clock::Clock;
use super::probe::next_tick;

/// One probe worker's schedule.
pub struct Ticks(Schedule);

enum Schedule {
    Wall {
        clock: Clock,
        interval: Duration,
        /// The grid's origin, set by the first probe.
        start: Option<Instant>,
    },
    Script {
        rounds: mpsc::UnboundedReceiver<Round>,
        interval: TimeDelta,
        /// The next grid point of the script's time.
        next: Option<DateTime<Utc>>,
        /// The round being worked on; dropping it tells the script it is done.
        round: Option<Round>,
    },
}

/// "The script's time is now `to`": probe every grid point up to it.
struct Round {
    to: DateTime<Utc>,
    /// Held until the round's probes are handed on; the script waits for
    /// every worker's to be dropped.
    _done: mpsc::Sender<()>,
}

impl Ticks {
    /// The wall clock's grid: the first probe at once, then one per grid
    /// point. Points missed while a slow probe ran are skipped, never burst:
    /// tokio's `MissedTickBehavior::Skip` would still fire the missed one at
    /// once, putting a second probe right after a timeout.
    pub fn wall(clock: Clock, interval: Duration) -> Ticks {
        Ticks(Schedule::Wall {
            clock,
            interval,
            start: None,
        })
    }

    /// The stamp of the next probe, once it is due; `None` when the clock
    /// is gone (the script ended).
    pub async fn next(&mut self) -> Option<DateTime<Utc>> {
        match &mut self.0 {
            Schedule::Wall {
                clock,
                interval,
                start,
            } => {
                let now = Instant::now();
                let at = match start {
                    Some(s) => next_tick(*s, *interval, now),
                    None => *start.insert(now),
                };
                tokio::time::sleep_until(at).await;
                Some(clock.now())
            }
            Schedule::Script {
                rounds,
                interval,
                next,
                round,
            } => loop {
                if let (Some(at), Some(r)) = (*next, round.as_ref())
                    && at <= r.to
                {
                    *next = Some(at + *interval);
                    return Some(at);
                }
                // The round is done: the script may move on.
                *round = None;
                let r = rounds.recv().await?;
                next.get_or_insert(r.to);
                *round = Some(r);
            },
        }
    }
}

/// A script's clock, shared by everything that must agree on the time: the
/// cockpit's loop (its ticks), the probe workers (their rounds) and anything
/// that only reads it (the demo's simulated service). Time moves only when
/// the script moves it.
#[derive(Clone)]
pub struct ScriptClock(Arc<Mutex<Shared>>);

struct Shared {
    now: DateTime<Utc>,
    /// The loop's ticks.
    listeners: Vec<mpsc::UnboundedSender<DateTime<Utc>>>,
    /// The probe workers' rounds.
    workers: Vec<mpsc::UnboundedSender<Round>>,
}

/// No one follows the clock any more (the loop ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the scripted clock has no listener left")]
pub struct Stopped;

impl std::fmt::Debug for ScriptClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ScriptClock").field(&self.now()).finish()
    }
}

impl ScriptClock {
    pub fn new(now: DateTime<Utc>) -> ScriptClock {
        ScriptClock(Arc::new(Mutex::new(Shared {
            now,
            listeners: Vec::new(),
            workers: Vec::new(),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panicking test thread must not take the clock down with it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.lock().now
    }

    /// Every time the script sets, from now on.
    pub fn listen(&self) -> mpsc::UnboundedReceiver<DateTime<Utc>> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().listeners.push(tx);
        rx
    }

    /// A probe worker's schedule on this clock, `interval` apart.
    pub fn ticks(&self, interval: Duration) -> Ticks {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().workers.push(tx);
        Ticks(Schedule::Script {
            rounds: rx,
            interval: TimeDelta::from_std(interval).unwrap_or(TimeDelta::MAX),
            next: None,
            round: None,
        })
    }

    /// Moves the time to `to` without waiting for anyone.
    pub fn send(&self, to: DateTime<Utc>) -> Result<(), Stopped> {
        let (done, _) = mpsc::channel(1);
        self.start_round(to, &done);
        self.tell_listeners(to)
    }

    /// Moves the time to `to` once every probe worker has probed each of
    /// its steps up to it; then the loop gets the tick.
    pub async fn advance(&self, to: DateTime<Utc>) -> Result<(), Stopped> {
        let (done, mut all_done) = mpsc::channel(1);
        self.start_round(to, &done);
        drop(done);
        // Closed once every worker dropped its round's sender.
        let _ = all_done.recv().await;
        self.tell_listeners(to)
    }

    fn start_round(&self, to: DateTime<Utc>, done: &mpsc::Sender<()>) {
        let mut shared = self.lock();
        shared.now = to;
        shared.workers.retain(|w| {
            w.send(Round {
                to,
                _done: done.clone(),
            })
            .is_ok()
        });
    }

    fn tell_listeners(&self, to: DateTime<Utc>) -> Result<(), Stopped> {
        let mut shared = self.lock();
        shared.listeners.retain(|l| l.send(to).is_ok());
        if shared.listeners.is_empty() {
            Err(Stopped)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::milliseconds(s)
    }

    #[tokio::test]
    async fn a_script_gets_one_probe_per_step_stamped_with_the_step() {
        let clock = ScriptClock::new(t(0));
        let mut ticks = clock.ticks(Duration::from_millis(250));
        let _loop = clock.listen();
        let stamps = tokio::spawn(async move {
            let mut seen = Vec::new();
            while let Some(at) = ticks.next().await {
                seen.push(at);
            }
            seen
        });
        clock.advance(t(1_000)).await.unwrap();
        // A second round a step and a half later: one more step is due.
        clock.advance(t(1_375)).await.unwrap();
        assert_eq!(clock.now(), t(1_375));
        drop(clock);
        let seen = stamps.await.unwrap();
        assert_eq!(seen, vec![t(1_000), t(1_250)]);
    }

    #[tokio::test]
    async fn advance_waits_for_the_workers_and_then_ticks_the_loop() {
        let clock = ScriptClock::new(t(0));
        let mut ticks = clock.ticks(Duration::from_secs(1));
        let mut listener = clock.listen();
        let (probed, mut seen) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(at) = ticks.next().await {
                // A probe that takes real time: advance must wait for it.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let _ = probed.send(at);
            }
        });
        for s in 1..=3 {
            clock.advance(t(s * 1_000)).await.unwrap();
            assert_eq!(seen.try_recv(), Ok(t(s * 1_000)));
            assert_eq!(listener.try_recv(), Ok(t(s * 1_000)));
        }
        drop(listener);
        assert_eq!(clock.send(t(4_000)), Err(Stopped));
    }
}
