//! The end of the pipeline: a rendered digest goes to a mail server, or — for a
//! preview — to stdout or a file, in the format the user asked for.

pub mod message;
pub mod preview;
pub mod smtp;
