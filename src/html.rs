//! Everything that reads HTML, in one place: the table of elements (`tags`), the
//! character-reference decoder (`entity`), a reader for the markup html5ever
//! serializes, which is what ammonia returns (`serialized`), markup in labels
//! (`label_markup`), web pages read with html5ever's tokenizer (`page`), feed HTML to
//! text (`text`, with its fast path `scan`), made safe for mail (`sanitize`) and
//! bounded in depth (`depth`).

pub(crate) mod depth;
pub(crate) mod entity;
pub(crate) mod label_markup;
pub(crate) mod page;
pub(crate) mod sanitize;
mod scan;
pub(crate) mod serialized;
pub(crate) mod tags;
pub(crate) mod text;
