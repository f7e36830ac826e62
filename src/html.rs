//! Everything that reads HTML: feed HTML to text (`text`, with its fast path `scan`),
//! made safe for mail (`sanitize`) and bounded in depth (`depth`), labels, web pages.
//! html5ever reads feed HTML (ammonia's tree builder), web pages and, on the way to
//! text, ammonia's output (its tokenizer, `tokenize`). Four readers are by hand, where
//! a parser would be wrong or needlessly slow: `depth` bounds the input before any
//! parser sees it, `label_markup` takes only known tags as markup (`Vec<T>` in a title
//! is text), `serialized` reads ammonia's output for mail in the one form the
//! serializer writes, and `scan` is the fast path to text, checked against the parser.

pub(crate) mod depth;
pub(crate) mod entity;
pub(crate) mod label_markup;
pub(crate) mod page;
pub(crate) mod sanitize;
mod scan;
pub(crate) mod serialized;
pub(crate) mod tags;
pub(crate) mod text;
pub(crate) mod words;

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind::{self, Rawtext, Rcdata, ScriptData};
use html5ever::tokenizer::{
    BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Elements whose content is text, not markup, and how the tree builder has the
/// tokenizer read it (`<plaintext>` aside, which ends all markup).
#[rustfmt::skip]
pub(crate) const RAW_TEXT: [(&str, RawKind); 9] = [
    ("script", ScriptData), ("style", Rawtext), ("xmp", Rawtext), ("iframe", Rawtext),
    ("noembed", Rawtext), ("noframes", Rawtext), ("noscript", Rawtext), ("title", Rcdata),
    ("textarea", Rcdata),
];

/// Runs html5ever's tokenizer over `html`, handing each token to `each`, whose answer
/// goes back to the tokenizer (`RawData` after a `<script>`, as the tree builder would
/// ask; never `Script`, so one call reads the whole input).
pub(crate) fn tokenize(html: &str, each: impl FnMut(Token) -> TokenSinkResult<()>) {
    let tokenizer = Tokenizer::new(Sink(RefCell::new(each)), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
}

struct Sink<F>(RefCell<F>);

impl<F: FnMut(Token) -> TokenSinkResult<()>> TokenSink for Sink<F> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        (self.0.borrow_mut())(token)
    }
}

/// `count` strings of 1 to `max` pieces each, drawn from `pieces` by a xorshift from
/// `seed`: the generated input the hand readers are compared with their references on.
#[cfg(test)]
fn generated<'p>(
    pieces: &'p [&str],
    max: u64,
    count: usize,
    mut seed: u64,
) -> impl Iterator<Item = String> + 'p {
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..count).map(move |_| {
        let len = 1 + next() % max;
        (0..len)
            .map(|_| pieces[(next() % pieces.len() as u64) as usize])
            .collect()
    })
}
