//! One Rocket.Chat document → the items it becomes in the tables. Shared by
//! `import` (a whole export) and sync (one change event at a time), so that both
//! write exactly the same items for the same document.

mod collection;
mod convert;
pub mod history;
mod members;
mod summary;
mod table;
pub mod targets;

pub use collection::{id_key, Collection, Doc};
pub use convert::{ConvertOptions, Converter, Items};
pub use summary::Summary;
pub use table::Table;
