//! The fast scan's character-reference decoder (elsewhere html5ever decodes, but for
//! the three escapes its serializer writes in a lead image's address): html5ever's own
//! table of names, and plain numbers as html5ever reads them.

/// Longer names (longer than any HTML entity) and numbers are declined without reading
/// further, which keeps every call short however long the run after the `&`.
const MAX_NAME: usize = 32;
const MAX_DIGITS: usize = 7;

/// The character reference at the start of `s` (which begins with `&`): the character
/// and the bytes it takes. A lone `&` (not followed by a name or `#`) is itself.
/// `None` for a reference this decoder does not know, and for the numbers the
/// tokenizer treats specially (controls, C1, surrogates, noncharacters).
pub(crate) fn reference(s: &str) -> Option<(char, usize)> {
    let body = s.get(1..)?;
    if let Some(num) = body.strip_prefix('#') {
        // `skip` counts `&#` or `&#x`.
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 3),
            None => (num, 10, 2),
        };
        let len = run(digits, MAX_DIGITS + 1, |b| (b as char).is_digit(radix));
        if len == 0 || len > MAX_DIGITS || !digits[len..].starts_with(';') {
            return None;
        }
        let code = u32::from_str_radix(&digits[..len], radix).ok()?;
        let plain = matches!(code, 0x09 | 0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfdcf | 0xfdf0..=0x10ffff)
            && code & 0xfffe != 0xfffe;
        if !plain {
            return None;
        }
        return Some((char::from_u32(code)?, skip + len + 1));
    }
    let len = run(body, MAX_NAME + 1, |b| b.is_ascii_alphanumeric());
    if len == 0 {
        return Some(('&', 1));
    }
    if len > MAX_NAME || !body[len..].starts_with(';') {
        return None;
    }
    // Keys carry their `;`; a name that stands for two characters is declined.
    match html5ever::data::NAMED_ENTITIES.get(&body[..=len])? {
        &(code, 0) => Some((char::from_u32(code)?, 1 + len + 1)),
        _ => None,
    }
}

/// How many of the first `max` bytes of `s` are `accepted`: an ASCII run, so the
/// count is also a character boundary.
fn run(s: &str, max: usize, accepted: impl Fn(u8) -> bool) -> usize {
    s.bytes().take(max).take_while(|&b| accepted(b)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_it_knows_and_declines_the_rest() {
        assert_eq!(reference("&amp;x"), Some(('&', 5)));
        assert_eq!(reference("&#65;"), Some(('A', 5)));
        assert_eq!(reference("&#x1F600;"), Some(('\u{1F600}', 9)));
        assert_eq!(reference("& b"), Some(('&', 1)));
        assert_eq!(reference("&"), Some(('&', 1)));
        assert_eq!(reference("&eacute;"), Some(('é', 8)));
        assert_eq!(reference("&hellip;"), Some(('…', 8)));
        let declined = "&eacute &NotEqualTilde; &nosuchname; &amp &#; &#xZZ; &#0; &#128; &#xD800; \
            &#x110000; &#xFFFE; &#00000065; &ampamp;";
        for declined in declined.split(' ') {
            assert_eq!(reference(declined), None, "{declined}");
        }
    }
}
