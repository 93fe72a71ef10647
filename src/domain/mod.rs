//! Domain logic: identifiers, their validation and the in-memory database.
//! Nothing in here does I/O, so all of it is tested without a bus or a disk.

pub mod apartment;
mod body_fields;
pub mod calendar;
pub mod card_format;
pub mod decision;
pub mod enrolment;
pub mod face;
pub mod identifier;
pub mod keypad;
pub mod limits;
pub mod list;
pub mod lockout;
pub mod number;
pub mod reader;
pub mod registry;
pub mod schedule;
pub mod time_profile;
pub mod typing;
pub mod wiegand;

#[cfg(test)]
mod test_support;
