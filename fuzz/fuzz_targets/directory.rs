//! The directory loader on arbitrary text, in each of its formats.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mfac::directory::{parse, Format};
use mfac::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in [Format::Yaml, Format::Json, Format::Csv] {
        let source = SourceFile::new("fuzz.users", text);
        if let Err(d) = parse(&source, format) {
            for item in &d.items {
                assert!(item.span.end <= text.len(), "span past the end of the text");
            }
        }
    }
});
