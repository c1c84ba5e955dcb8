//! The `hcx` command-line tool.
fn main() {
    println!("hcx: work in progress");
}
