//! Placeholder replaced by the crash test's writer.
fn main() {}
