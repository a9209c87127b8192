//! Wall-clock timestamps from the monotonic clock. Samples and evaluations
//! are stamped as `start + elapsed`, so the hold time (`for`) is measured on
//! a clock that never jumps, and evaluation ticks that tokio schedules
//! exactly one interval apart are exactly one interval apart in the verdicts.

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    utc: DateTime<Utc>,
    instant: Instant,
}

impl Clock {
    pub fn start() -> Clock {
        Clock {
            utc: Utc::now(),
            instant: Instant::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.at(Instant::now())
    }

    pub fn at(&self, instant: Instant) -> DateTime<Utc> {
        let delta = |d| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        if instant >= self.instant {
            self.utc + delta(instant - self.instant)
        } else {
            self.utc - delta(self.instant - instant)
        }
    }
}
