//! Fuzzes the CQL parser with arbitrary UTF-8: it must never panic, and whatever parses must
//! print to CQL that parses back to the same statements.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = sibyl_cql::parse_statement(text);
    if let Ok(statements) = sibyl_cql::parse_statements(text) {
        for st in statements {
            let printed = st.to_string();
            match sibyl_cql::parse_statement(&printed) {
                Ok(again) => assert_eq!(again, st, "round trip changed the AST of `{printed}`"),
                Err(e) => panic!("`{printed}` (printed from `{text}`) does not parse: {e}"),
            }
        }
    }
});
