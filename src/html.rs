//! Everything that reads HTML, in one place: the table of elements (`tags`), feed
//! HTML to text (`text`, with its fast path `scan`, the scan's reference decoder
//! `entity`, and `words`), made safe for mail (`sanitize`, which reads ammonia's
//! output with `serialized`) and bounded in depth (`depth`), markup in labels
//! (`label_markup`), and web pages (`page`). Everything else reads with html5ever's tokenizer
//! (`tokenize`), which decodes references with the whole table.

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
use html5ever::tokenizer::{
    BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

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
