//! Raw bytes from a pipe into masked lines: split at newlines (a partial
//! line waits for the rest), invalid UTF-8 replaced, escapes stripped,
//! over-long lines cut, secrets masked. Produces the bytes for the log and
//! the lines for the screen; knows nothing about pipes or channels.

use std::sync::Arc;

use memchr::{memchr, memchr3, memrchr};

use super::ansi::strip_ansi;
use super::buffer::{Line, Stream};
use crate::domain::mask::{KeyBlock, MASK, Masker};

/// Lines longer than this are cut (a minified bundle, a progress bar with no
/// newline): memory per stream stays bounded and masking stays fast.
pub const MAX_LINE: usize = 16 * 1024;

/// Where a long line is cut: at the last blank within this many bytes of the
/// limit, so a token (and a secret is one) is not split across two lines
/// where neither half would match a masking rule.
const CUT_WINDOW: usize = 2048;

/// A line is cut only once this much more than the limit has arrived: a
/// secret that straddles the limit (and its `KEY=` or `Bearer` before it)
/// is then whole in view and the cut moves off it. A line that ends
/// sooner is masked whole; the screen still gets pieces of at most
/// [`MAX_LINE`], cut after masking.
const SECRET_REACH: usize = 4096;

/// What one read produced.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Masked, stripped text for the log file, each line ending in `\n`.
    pub log: Vec<u8>,
    /// The newest lines, for display, each ending in `\n`: one string, not
    /// one per line, since at full speed most are dropped before they are
    /// ever shown and a string per line was most of the runner's cost.
    pub display: String,
    /// Lines in `display`.
    pub shown: u64,
    /// Lines logged but not kept for display (more than `keep` in one read).
    pub skipped: u64,
}

impl Chunk {
    pub fn clear(&mut self) {
        self.log.clear();
        self.display.clear();
        self.shown = 0;
        self.skipped = 0;
    }

    /// Lines in the log text.
    pub fn logged(&self) -> u64 {
        memchr::memchr_iter(b'\n', &self.log).count() as u64
    }
}

/// Display lines of `text` (as in [`Chunk::display`]) as owned lines.
pub fn split_display(stream: Stream, text: &str, skip: usize) -> impl Iterator<Item = Line> + '_ {
    text.split_terminator('\n')
        .skip(skip)
        .map(move |t| Line::new(stream, t))
}

pub struct Ingest {
    stream: Stream,
    masker: Arc<Masker>,
    carry: Vec<u8>,
    max_line: usize,
    reach: usize,
    /// Display lines kept per read; older ones are only logged.
    keep: usize,
    /// A private key block is open: its lines are hidden whole.
    key: KeyBlock,
    /// The last cut fell at the end of a secret still going on: the next
    /// piece starts with the rest of it.
    hide_head: bool,
}

impl Ingest {
    pub fn new(stream: Stream, masker: Arc<Masker>, keep: usize) -> Ingest {
        Ingest {
            stream,
            masker,
            carry: Vec::new(),
            max_line: MAX_LINE,
            reach: SECRET_REACH,
            keep: keep.max(1),
            key: KeyBlock::default(),
            hide_head: false,
        }
    }

    #[cfg(test)]
    fn with_max_line(mut self, max_line: usize) -> Ingest {
        self.max_line = max_line.max(8);
        self.reach = SECRET_REACH.min(self.max_line);
        self
    }

    pub fn feed(&mut self, mut data: &[u8], out: &mut Chunk) {
        if !self.carry.is_empty() {
            match memchr(b'\n', data) {
                Some(i) => {
                    self.carry.extend_from_slice(&data[..i]);
                    let line = std::mem::take(&mut self.carry);
                    self.line(&line, true, out);
                    self.carry = line;
                    self.carry.clear();
                    data = &data[i + 1..];
                }
                None => {
                    self.carry.extend_from_slice(data);
                    self.cut_long(out);
                    return;
                }
            }
        }
        let Some(last) = memrchr(b'\n', data) else {
            self.carry.extend_from_slice(data);
            self.cut_long(out);
            return;
        };
        self.lines(&data[..last], out);
        // After the complete lines: a long tail cut now must follow them.
        self.carry.extend_from_slice(&data[last + 1..]);
        self.cut_long(out);
    }

    /// Complete lines, `region` without its last newline.
    fn lines(&mut self, region: &[u8], out: &mut Chunk) {
        let count = memchr::memchr_iter(b'\n', region).count() + 1;
        let first_kept = count.saturating_sub(self.keep);
        out.skipped += first_kept as u64;
        // Most output is plain text with nothing to hide: log it in one
        // write and only build strings for the lines that will be shown.
        if memchr3(0x1b, b'\r', 0x9b, region).is_none()
            && !self.key.is_open()
            && let Ok(text) = std::str::from_utf8(region)
            && !self.masker.may_need_masking(text)
        {
            out.log.extend_from_slice(region);
            out.log.push(b'\n');
            for line in text.split('\n').skip(first_kept) {
                self.show(line, out);
            }
            return;
        }
        for (i, line) in region.split(|&b| b == b'\n').enumerate() {
            self.line(line, i >= first_kept, out);
        }
    }

    /// Forgets a partial line (after a failure while it was handled).
    pub fn drop_partial(&mut self) {
        self.carry.clear();
    }

    /// The stream ended: a last line without a newline still counts.
    pub fn finish(&mut self, out: &mut Chunk) {
        if !self.carry.is_empty() {
            let line = std::mem::take(&mut self.carry);
            self.line(&line, true, out);
        }
    }

    fn cut_long(&mut self, out: &mut Chunk) {
        while self.carry.len() > self.max_line + self.reach {
            let cut = self.cut_point();
            let rest = self.carry.split_off(cut);
            let piece = std::mem::replace(&mut self.carry, rest);
            self.line(&piece, true, out);
        }
    }

    /// Where the carry (longer than the limit and the reach) is cut: at a
    /// blank near the limit, moved off any secret it would split.
    fn cut_point(&mut self) -> usize {
        let limit = self.max_line;
        let window_start = limit.saturating_sub(CUT_WINDOW);
        let mut cut = self.carry[window_start..limit]
            .iter()
            .rposition(|b| b.is_ascii_whitespace())
            .map_or(limit, |i| window_start + i + 1);
        // Never inside a UTF-8 sequence.
        while cut > 1 && (self.carry[cut] & 0xC0) == 0x80 {
            cut -= 1;
        }
        let seen = &self.carry[..limit + self.reach];
        let text = match std::str::from_utf8(seen) {
            Ok(t) => t,
            Err(e) => std::str::from_utf8(&seen[..e.valid_up_to()]).unwrap_or_default(),
        };
        let found = self.masker.find(text).unwrap_or_default();
        let straddling = |cut: usize| found.iter().filter(move |f| f.from < cut && cut < f.to);
        // Before the secret (with its context) if anything comes first...
        while let Some(from) = straddling(cut).map(|f| f.from).min() {
            if from == 0 {
                break;
            }
            cut = from;
        }
        // ...else after it: a secret longer than the whole view goes on
        // in the next piece, which starts hidden.
        while let Some(end) = straddling(cut).map(|f| f.to).max() {
            cut = end;
            if end >= text.len() {
                self.hide_head = true;
            }
        }
        cut
    }

    fn line(&mut self, raw: &[u8], show: bool, out: &mut Chunk) {
        let decoded = String::from_utf8_lossy(raw);
        let mut text: &str = decoded.strip_suffix('\r').unwrap_or(&decoded);
        // A carriage return redraws the line on a terminal (progress bars):
        // what remains visible is the text after the last one.
        if let Some(cr) = text.rfind('\r') {
            text = &text[cr + 1..];
        }
        let stripped = strip_ansi(text);
        let masked = if std::mem::take(&mut self.hide_head) {
            let run = stripped
                .find(|c: char| c.is_whitespace() || c == '\'' || c == '"')
                .unwrap_or(stripped.len());
            let rest = self.key.mask(&self.masker, &stripped[run..]);
            std::borrow::Cow::Owned(format!("{MASK}{rest}"))
        } else {
            self.key.mask(&self.masker, &stripped)
        };
        out.log.extend_from_slice(masked.as_bytes());
        out.log.push(b'\n');
        if show {
            self.show(&masked, out);
        }
    }

    pub fn stream(&self) -> Stream {
        self.stream
    }

    fn show(&self, text: &str, out: &mut Chunk) {
        let mut rest = text;
        loop {
            let mut cut = rest.len().min(self.max_line);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            if cut < rest.len() {
                // Between words where there is a blank near the limit; the
                // text is masked already, so any cut is safe.
                let from = cut - (cut / 4).min(CUT_WINDOW);
                if let Some(i) = rest.as_bytes()[from..cut]
                    .iter()
                    .rposition(|b| b.is_ascii_whitespace())
                {
                    cut = from + i + 1;
                }
            }
            out.display.push_str(&rest[..cut]);
            out.display.push('\n');
            out.shown += 1;
            rest = &rest[cut..];
            if rest.is_empty() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mask::SecretNames;

    fn ingest() -> Ingest {
        let masker = Masker::with_vars(SecretNames::default(), [("DB_PASSWORD", "hunter2secret")]);
        Ingest::new(Stream::Stdout, Arc::new(masker), 100)
    }

    fn texts(c: &Chunk) -> Vec<&str> {
        c.display.split_terminator('\n').collect()
    }

    #[test]
    fn partial_lines_wait_for_their_end() {
        let mut i = ingest();
        let mut c = Chunk::default();
        i.feed(b"one\ntw", &mut c);
        assert_eq!(texts(&c), ["one"]);
        i.feed(b"o\nthr", &mut c);
        assert_eq!(texts(&c), ["one", "two"]);
        i.finish(&mut c);
        assert_eq!(texts(&c), ["one", "two", "thr"]);
        assert_eq!(c.log, b"one\ntwo\nthr\n");
    }

    #[test]
    fn bytes_are_cleaned_and_masked_for_log_and_screen() {
        let mut i = ingest();
        let mut c = Chunk::default();
        i.feed(
            b"\x1b[31mred\x1b[0m\r\nbad \xff byte\n10%\r50%\r100%\nuse hunter2secret\n",
            &mut c,
        );
        assert_eq!(texts(&c), ["red", "bad \u{fffd} byte", "100%", "use ••••"]);
        assert_eq!(
            String::from_utf8(c.log).unwrap(),
            "red\nbad \u{fffd} byte\n100%\nuse ••••\n"
        );
    }

    #[test]
    fn a_secret_split_across_reads_is_still_masked() {
        let mut i = ingest();
        let mut c = Chunk::default();
        i.feed(b"pw hunter2", &mut c);
        i.feed(b"secret ok\n", &mut c);
        assert_eq!(texts(&c), ["pw •••• ok"]);
    }

    #[test]
    fn long_lines_are_cut_between_words() {
        let mut i = ingest().with_max_line(16);
        let mut c = Chunk::default();
        i.feed("aaaa bbbb cccc dddd eeee ü".as_bytes(), &mut c);
        i.feed(b"\n", &mut c);
        assert_eq!(texts(&c), ["aaaa bbbb cccc ", "dddd eeee ü"]);
        c.clear();
        i.feed(&[b'x'; 40], &mut c);
        i.finish(&mut c);
        assert_eq!(texts(&c), ["x".repeat(16), "x".repeat(16), "x".repeat(8)]);
    }

    #[test]
    fn only_the_newest_lines_are_kept_for_display() {
        let masker = Arc::new(Masker::default());
        let mut i = Ingest::new(Stream::Stderr, masker, 2);
        let mut c = Chunk::default();
        i.feed(b"1\n2\n3\n4 a=b\n", &mut c);
        assert_eq!(texts(&c), ["3", "4 a=b"]);
        assert_eq!(c.skipped, 2);
        assert_eq!(c.log, b"1\n2\n3\n4 a=b\n");
        assert!(split_display(i.stream(), &c.display, 0).all(|l| l.stream == Stream::Stderr));
    }

    /// A secret at every offset around the cut, in a line with no blank
    /// (and one with blanks near the cut), fed in pipe-sized reads: never
    /// a piece of it in the log or on screen.
    #[test]
    fn a_secret_straddling_the_cut_is_masked_whole() {
        let secrets = [
            ("hunter2secret", ""),
            ("AKIAIOSFODNN7EXAMPLE", ""),
            ("S3cretPw", "postgres://app:"),
            ("abcDEF123ghiJKL456", "Authorization: Bearer "),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
                "",
            ),
        ];
        for (secret, before) in secrets {
            let token = format!("{before}{secret}@h");
            for offset in MAX_LINE - 40..MAX_LINE + 8 {
                for filler in [b'#', b' '] {
                    let mut line = vec![filler; offset.saturating_sub(before.len())];
                    line.extend_from_slice(token.as_bytes());
                    line.extend_from_slice(&[b'#'; 30_000]);
                    line.push(b'\n');
                    let mut i = ingest();
                    let mut c = Chunk::default();
                    for part in line.chunks(4096) {
                        i.feed(part, &mut c);
                    }
                    i.finish(&mut c);
                    let log = String::from_utf8_lossy(&c.log).replace('\n', "");
                    let shown = c.display.replace('\n', "");
                    for text in [&log, &shown] {
                        // Any 6 characters of it give too much away.
                        let leak = secret
                            .as_bytes()
                            .windows(6)
                            .find(|w| text.contains(std::str::from_utf8(w).unwrap_or_default()));
                        assert!(
                            leak.is_none(),
                            "{secret} at {offset} (filler {filler}): {:?} shows",
                            leak.map(String::from_utf8_lossy)
                        );
                    }
                }
            }
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Text with long runs and no blank, blanks, multi-byte letters and
        /// a stray invalid byte: the shapes that move a cut point around.
        fn piece() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                (1usize..70_000).prop_map(|n| vec![b'x'; n]),
                (1usize..300).prop_map(|n| "ü".repeat(n).into_bytes()),
                Just(b" ".to_vec()),
                Just(b"\n".to_vec()),
                Just(vec![0xff]),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]

            /// Any line length, any cut limit, any read size: no panic, every
            /// byte logged once, no display line over the limit.
            #[test]
            fn long_lines_are_cut_without_loss(
                pieces in proptest::collection::vec(piece(), 1..8),
                max_line in prop_oneof![Just(MAX_LINE), 8usize..5000],
                read in prop_oneof![Just(65_536usize), 1usize..20_000],
            ) {
                let input: Vec<u8> = pieces.concat();
                let mut i = Ingest::new(Stream::Stdout, Arc::new(Masker::default()), 1_000_000)
                    .with_max_line(max_line);
                let mut c = Chunk::default();
                for part in input.chunks(read) {
                    i.feed(part, &mut c);
                }
                i.finish(&mut c);
                let limit = max_line.max(8);
                for line in c.display.split_terminator('\n') {
                    prop_assert!(line.len() <= limit, "{} > {limit}", line.len());
                }
                let want: String = String::from_utf8_lossy(&input).replace('\n', "");
                let got: String = String::from_utf8_lossy(&c.log).replace('\n', "");
                prop_assert_eq!(got.len(), want.len());
                prop_assert!(got == want, "max_line {max_line} read {read} got {:?}", got.char_indices().zip(want.char_indices()).find(|(a, b)| a != b));
            }
        }

        #[test]
        fn a_line_exactly_at_the_limit_with_no_blank() {
            let mut i = ingest();
            let mut c = Chunk::default();
            i.feed(&vec![b'a'; 4 * MAX_LINE], &mut c);
            i.feed(b"\n", &mut c);
            assert_eq!(c.display.split_terminator('\n').count(), 4);
            assert!(
                c.display
                    .split_terminator('\n')
                    .all(|l| l.len() == MAX_LINE)
            );
        }
    }
}
