//! The output pane's memory: the last N lines of a command, numbered, with a
//! scroll position that stays put while new lines arrive. Pure; the pane
//! renders from it and the loop feeds it `Output` messages.

use std::collections::VecDeque;

/// Which stream a line came from; stderr is tinted on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line of output: masked, escape sequences stripped, no newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub stream: Stream,
    pub text: String,
}

impl Line {
    pub fn new(stream: Stream, text: impl Into<String>) -> Line {
        Line {
            stream,
            text: text.into(),
        }
    }
}

/// About 10,000 lines: enough scroll-back to find an error, a few MB at most.
pub const DEFAULT_CAPACITY: usize = 10_000;

#[derive(Debug, Clone)]
pub struct OutputBuffer {
    /// (1-based line number, line); numbers jump where lines were skipped.
    lines: VecDeque<(u64, Line)>,
    capacity: usize,
    total: u64,
    skipped: u64,
    /// Lines between the bottom of the view and the newest line; 0 follows.
    from_bottom: usize,
}

impl Default for OutputBuffer {
    fn default() -> Self {
        OutputBuffer::new(DEFAULT_CAPACITY)
    }
}

impl OutputBuffer {
    pub fn new(capacity: usize) -> OutputBuffer {
        let capacity = capacity.max(1);
        OutputBuffer {
            lines: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            total: 0,
            skipped: 0,
            from_bottom: 0,
        }
    }

    pub fn push(&mut self, line: Line) {
        self.total += 1;
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back((self.total, line));
        if self.from_bottom > 0 {
            // Scrolled back: the view keeps showing the same lines.
            self.from_bottom = (self.from_bottom + 1).min(self.lines.len().saturating_sub(1));
        }
    }

    /// Applies one `Output` message: `skipped` lines that were written to
    /// the log but never sent for display came before `lines`.
    pub fn extend(&mut self, skipped: u64, lines: impl IntoIterator<Item = Line>) {
        self.total += skipped;
        self.skipped += skipped;
        for line in lines {
            self.push(line);
        }
    }

    /// Lines the command printed so far, shown or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Lines that never reached the screen (the log file has them).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Oldest first, with line numbers.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (u64, &Line)> + ExactSizeIterator {
        self.lines.iter().map(|(n, l)| (*n, l))
    }

    /// The lines a view `height` rows tall shows now, oldest first.
    pub fn visible(&self, height: usize) -> impl Iterator<Item = (u64, &Line)> {
        let end = self.lines.len() - self.from_bottom.min(self.lines.len());
        let start = end.saturating_sub(height);
        self.lines.range(start..end).map(|(n, l)| (*n, l))
    }

    pub fn is_following(&self) -> bool {
        self.from_bottom == 0
    }

    pub fn scroll_up(&mut self, n: usize) {
        self.from_bottom = (self.from_bottom + n).min(self.lines.len().saturating_sub(1));
    }

    pub fn scroll_down(&mut self, n: usize) {
        self.from_bottom = self.from_bottom.saturating_sub(n);
    }

    pub fn page_up(&mut self, height: usize) {
        self.scroll_up(height.saturating_sub(1).max(1));
    }

    pub fn page_down(&mut self, height: usize) {
        self.scroll_down(height.saturating_sub(1).max(1));
    }

    /// `End`: back to following new output.
    pub fn follow(&mut self) {
        self.from_bottom = 0;
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.total = 0;
        self.skipped = 0;
        self.from_bottom = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(n: u64) -> Line {
        Line::new(Stream::Stdout, n.to_string())
    }

    fn shown(b: &OutputBuffer, h: usize) -> Vec<String> {
        b.visible(h).map(|(_, l)| l.text.clone()).collect()
    }

    #[test]
    fn keeps_the_newest_lines_and_counts_all() {
        let mut b = OutputBuffer::new(3);
        for i in 1..=5 {
            b.push(out(i));
        }
        assert_eq!((b.len(), b.total()), (3, 5));
        let numbers: Vec<u64> = b.iter().map(|(n, _)| n).collect();
        assert_eq!(numbers, [3, 4, 5]);
        assert_eq!(shown(&b, 2), ["4", "5"]);
    }

    #[test]
    fn skipped_lines_leave_a_gap_in_the_numbers() {
        let mut b = OutputBuffer::new(10);
        b.extend(0, [out(1)]);
        b.extend(500, [out(502)]);
        let numbers: Vec<u64> = b.iter().map(|(n, _)| n).collect();
        assert_eq!(numbers, [1, 502]);
        assert_eq!((b.total(), b.skipped()), (502, 500));
    }

    #[test]
    fn scrolled_back_view_stays_put_until_end() {
        let mut b = OutputBuffer::new(100);
        for i in 1..=20 {
            b.push(out(i));
        }
        b.page_up(5);
        assert!(!b.is_following());
        assert_eq!(shown(&b, 5), ["12", "13", "14", "15", "16"]);
        b.push(out(21));
        assert_eq!(shown(&b, 5), ["12", "13", "14", "15", "16"]);
        b.page_down(5);
        assert_eq!(shown(&b, 5), ["16", "17", "18", "19", "20"]);
        b.follow();
        assert_eq!(shown(&b, 2), ["20", "21"]);
        b.scroll_up(1000);
        assert_eq!(shown(&b, 3), ["1"]);
        b.scroll_down(1000);
        assert!(b.is_following());
    }
}
