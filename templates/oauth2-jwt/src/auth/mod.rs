//! Who is calling: the access-token extractor every protected handler takes, and the password
//! hasher behind the password grant.

mod current_user;
pub mod password;

pub use current_user::CurrentUser;
