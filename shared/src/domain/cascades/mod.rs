//! Use cases whose change reaches across features: removing a member empties their inbox and
//! team memberships, deleting an inbox deletes its campaigns. Each cascade sits above the
//! features it coordinates and runs their parts in order, so that no feature calls another
//! that calls it back.

pub mod inbox_deletion;
pub mod member_removal;
