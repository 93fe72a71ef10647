//! The real hardware behind the small traits of the access path: GPIO lines
//! through the kernel's character device. Fakes live beside the traits
//! (`locks::VirtualRelay`, the recorders in the tests).

pub mod gpio;
pub mod input;
