mod output_fixture;

use output_fixture::*;
use preflight::output::Format;

#[test]
fn dump() {
    println!("{}", render(&check_report(), Format::Human, false));
    println!("{}", render(&check_report(), Format::Markdown, false));
}
