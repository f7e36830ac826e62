pub mod config;
pub mod deliver;
pub mod model;
