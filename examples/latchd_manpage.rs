//! Prints latchd(8) as latchd's arguments and docs/man/src/latchd.8 give it:
//!     cargo run --example latchd_manpage > docs/man/latchd.8

fn main() {
    print!("{}", latchd::process::manpage::render());
}
