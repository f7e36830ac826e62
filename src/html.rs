//! Everything that reads HTML, in one place: the table of elements (`tags`), the
//! character-reference decoder (`entity`), a reader for the markup html5ever
//! serializes, which is what ammonia returns (`serialized`), markup in labels
//! (`label_markup`), and web pages read with html5ever's tokenizer (`page`). Parsing feed
//! HTML is ammonia's (in `text` and `render::sanitize`); the fast text scan
//! (`text::scan`) reads with the same table and decoder.

pub(crate) mod entity;
pub(crate) mod label_markup;
pub(crate) mod page;
pub(crate) mod serialized;
pub(crate) mod tags;
