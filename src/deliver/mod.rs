pub mod message;
pub mod smtp;
