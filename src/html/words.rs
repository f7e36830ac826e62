//! Text put together word by word: whitespace collapsed to single spaces between
//! words, for HTML to text and for plain text alike.

/// Words joined by single spaces: line breaks, tabs and runs of spaces become one space.
pub fn collapse_whitespace(s: &str) -> String {
    let mut words = Words::default();
    words.push(s);
    words.text
}

/// Text put together from pieces (a `" "` pushed for a block boundary).
#[derive(Default)]
pub(super) struct Words {
    pub(super) text: String,
    /// Whitespace since the last word.
    space: bool,
}

impl Words {
    /// Appends `text` collapsed in the same pass: runs of Unicode whitespace become
    /// one space between words, none at the ends. Text is copied in runs (a single
    /// `' '` between two words needs no change), read eight bytes at a time where it
    /// is plain: the keyword filter reads every item's text through here.
    pub(super) fn push(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut run = 0;
        let mut i = 0;
        while i < bytes.len() {
            i = skip_plain_words(bytes, run, i);
            let Some(&b) = bytes.get(i) else { break };
            // Most bytes are ASCII and not whitespace: step over them without decoding.
            let len = if b < 0x80 {
                if !ASCII_WHITESPACE[usize::from(b)] {
                    i += 1;
                    continue;
                }
                if b == b' ' && i > run && bytes.get(i + 1).is_some_and(|&n| is_word_byte(n)) {
                    i += 1;
                    continue;
                }
                1
            } else {
                match text[i..].chars().next() {
                    Some(c) if c.is_whitespace() => c.len_utf8(),
                    Some(c) => {
                        i += c.len_utf8();
                        continue;
                    }
                    None => break,
                }
            };
            self.word(&text[run..i]);
            self.space = true;
            i += len;
            run = i;
        }
        self.word(&text[run..]);
    }

    fn word(&mut self, word: &str) {
        if word.is_empty() {
            return;
        }
        if self.space && !self.text.is_empty() {
            self.text.push(' ');
        }
        self.space = false;
        self.text.push_str(word);
    }
}

/// Skips, eight bytes at a time, what `words` would copy unchanged: printable ASCII
/// with single spaces between words. Returns where the byte-wise scan must go on.
fn skip_plain_words(bytes: &[u8], run: usize, mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(window) = bytes.get(i..i + 8) {
        let w = u64::from_le_bytes(window.try_into().unwrap_or_default());
        // Any byte outside 0x20..=0x7f (b + 0x60 carries into the high bit only
        // from 0x20 up, and never into the next byte).
        if w & HIGH != 0 || (w + 0x60 * ONES) & HIGH != HIGH {
            break;
        }
        // The high bit of every space: zero bytes of `w ^ 0x20…`, found exactly.
        let t = w ^ (0x20 * ONES);
        let spaces = !((((t & !HIGH) + !HIGH) | t) | !HIGH);
        if spaces != 0 {
            let first_is_space = spaces & 0x80 != 0;
            let last_is_space = spaces >> 63 != 0;
            if spaces & (spaces >> 8) != 0
                || (first_is_space && i == run)
                || (last_is_space && !bytes.get(i + 8).is_some_and(|&b| is_word_byte(b)))
            {
                break;
            }
        }
        i += 8;
    }
    i
}

/// Whether `b` cannot start whitespace: an ASCII non-space, or a byte inside or
/// starting a multi-byte character none of whose whitespace characters starts with it.
fn is_word_byte(b: u8) -> bool {
    if b < 0x80 {
        !ASCII_WHITESPACE[usize::from(b)]
    } else {
        // U+0085 and U+00A0 start with C2; U+1680 with E1; U+2000–U+205F with E2;
        // U+3000 with E3.
        !matches!(b, 0xc2 | 0xe1 | 0xe2 | 0xe3)
    }
}

/// ASCII characters `char::is_whitespace` (what `split_whitespace` uses) accepts.
const ASCII_WHITESPACE: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = b'\t';
    while b <= b'\r' {
        table[b as usize] = true;
        b += 1;
    }
    table[b' ' as usize] = true;
    table
};

#[cfg(test)]
mod tests {
    /// Against `split_whitespace`, the whitespace `Words` means, with the text pushed
    /// in two pieces split at every character.
    #[test]
    fn collapses_as_split_whitespace_does_however_the_text_is_pushed() {
        let text = "  one two\tthree\n\nfour\r\x0b\x0cfive  abcdefgh ijklmnop  qrstuvwx\u{a0}y\
            \u{2003}é\u{3000}x’y\u{85}a b c d e f g h i j k\u{1680}\u{205f} \u{2028}\u{a0}";
        let expected = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
            let mut words = super::Words::default();
            words.push(&text[..at]);
            words.push(&text[at..]);
            assert_eq!(words.text, expected, "split at {at}");
        }
    }
}
