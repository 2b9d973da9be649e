//! Round trips, byte-exact vectors and hostile inputs for every request and response.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use crate::*;

pub(crate) fn sample_requests() -> Vec<Request> {
    let mut startup = StringMap::new();
    startup.insert("CQL_VERSION".into(), "3.4.7".into());
    startup.insert("DRIVER_NAME".into(), "sibyl-test".into());
    let full = QueryParameters {
        consistency: Consistency::LocalQuorum,
        values: Values::Positional(vec![Value::Set(vec![0, 0, 0, 1]), Value::Null, Value::Unset, Value::Set(vec![])]),
        skip_metadata: true,
        page_size: Some(5000),
        paging_state: Some(vec![1, 2, 3]),
        serial_consistency: Some(Consistency::LocalSerial),
        default_timestamp: Some(1_700_000_000_000_000),
    };
    let named = QueryParameters {
        values: Values::Named(vec![("id".into(), Value::Set(vec![7])), ("v".into(), Value::Null)]),
        ..QueryParameters::new(Consistency::One)
    };
    vec![
        Request::Startup(startup),
        Request::Startup(StringMap::new()),
        Request::Options,
        Request::Query { query: "SELECT * FROM system.local".into(), params: QueryParameters::new(Consistency::One) },
        Request::Query { query: "INSERT INTO t (a) VALUES (?)".into(), params: full.clone() },
        Request::Query { query: "UPDATE t SET v = :v WHERE id = :id".into(), params: named },
        Request::Query {
            query: String::new(),
            params: QueryParameters { values: Values::Positional(vec![]), ..QueryParameters::new(Consistency::Any) },
        },
        Request::Prepare { query: "SELECT * FROM ks.t WHERE id = ?".into() },
        Request::Execute { id: vec![0xAB; 16], params: full },
        Request::Register { events: vec![EventType::TopologyChange, EventType::StatusChange, EventType::SchemaChange] },
        Request::Batch(Batch {
            batch_type: BatchType::Logged,
            statements: vec![
                BatchStatement { query: BatchQuery::Query("INSERT INTO t (a) VALUES (1)".into()), values: vec![] },
                BatchStatement {
                    query: BatchQuery::Prepared(vec![9; 16]),
                    values: vec![Value::Set(vec![1]), Value::Unset, Value::Null],
                },
            ],
            consistency: Consistency::Quorum,
            serial_consistency: Some(Consistency::Serial),
            default_timestamp: Some(42),
        }),
        Request::Batch(Batch {
            batch_type: BatchType::Counter,
            statements: vec![],
            consistency: Consistency::All,
            serial_consistency: None,
            default_timestamp: None,
        }),
        Request::AuthResponse(Some(b"\0cassandra\0cassandra".to_vec())),
        Request::AuthResponse(None),
    ]
}

fn spec(name: &str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec::new("ks", "t", name, ty)
}

pub(crate) fn sample_error_kinds() -> Vec<ErrorKind> {
    use ErrorKind::*;
    let cl = Consistency::LocalQuorum;
    vec![
        Server,
        Protocol,
        BadCredentials,
        Unavailable { consistency: cl, required: 2, alive: 1 },
        Overloaded,
        IsBootstrapping,
        TruncateError,
        WriteTimeout { consistency: cl, received: 1, block_for: 2, write_type: WriteType::Simple },
        WriteTimeout { consistency: cl, received: 0, block_for: 1, write_type: WriteType::Other("NEW_KIND".into()) },
        ReadTimeout { consistency: cl, received: 1, block_for: 2, data_present: true },
        ReadTimeout { consistency: Consistency::One, received: 0, block_for: 1, data_present: false },
        ReadFailure { consistency: cl, received: 1, block_for: 2, num_failures: 1, data_present: false },
        FunctionFailure { keyspace: "ks".into(), function: "f".into(), arg_types: vec!["int".into(), "text".into()] },
        WriteFailure { consistency: cl, received: 0, block_for: 2, num_failures: 2, write_type: WriteType::BatchLog },
        Syntax,
        Unauthorized,
        Invalid,
        Config,
        AlreadyExists { keyspace: "ks".into(), table: "t".into() },
        AlreadyExists { keyspace: "ks".into(), table: String::new() },
        Unprepared { id: vec![1, 2, 3, 4] },
    ]
}

pub(crate) fn sample_responses() -> Vec<Response> {
    let mut supported = StringMultimap::new();
    supported.insert("CQL_VERSION".into(), vec!["3.4.7".into()]);
    supported.insert("COMPRESSION".into(), vec![]);
    supported.insert("PROTOCOL_VERSIONS".into(), vec!["4/v4".into()]);
    let addr: SocketAddr = "127.0.0.1:9042".parse().unwrap();
    let mixed = vec![spec("a", ColumnType::Int), ColumnSpec::new("ks", "other", "b", ColumnType::Varchar)];
    let udt = ColumnType::Udt { keyspace: "ks".into(), name: "u".into(), fields: vec![("f".into(), ColumnType::Int)] };
    let mut responses: Vec<Response> =
        sample_error_kinds().into_iter().map(|k| Response::Error(ErrorBody::new(k, "something failed"))).collect();
    responses.extend([
        Response::Error(ErrorBody::new(ErrorKind::Other { code: 0x1700 }, "a newer server's code")),
        Response::Ready,
        Response::Authenticate("org.apache.cassandra.auth.PasswordAuthenticator".into()),
        Response::Supported(supported),
        Response::Result(ResultBody::Void),
        Response::Result(ResultBody::Rows(Rows {
            metadata: RowsMetadata::new(vec![
                spec("id", ColumnType::Bigint),
                spec("tags", ColumnType::Set(Box::new(ColumnType::Varchar))),
                spec("u", udt),
            ]),
            rows: vec![
                vec![Some(vec![0, 0, 0, 0, 0, 0, 0, 1]), None, Some(vec![])],
                vec![Some(vec![0, 0, 0, 0, 0, 0, 0, 2]), Some(vec![0, 0, 0, 0]), None],
            ],
        })),
        Response::Result(ResultBody::Rows(Rows {
            metadata: RowsMetadata::new(mixed.clone()).with_paging_state(Some(vec![0xCA, 0xFE])),
            rows: vec![vec![None, Some(b"x".to_vec())]],
        })),
        Response::Result(ResultBody::Rows(Rows {
            metadata: RowsMetadata::no_metadata(1).with_paging_state(Some(vec![])),
            rows: vec![vec![Some(vec![1])]; 3],
        })),
        Response::Result(ResultBody::Rows(Rows { metadata: RowsMetadata::new(vec![]), rows: vec![] })),
        Response::Result(ResultBody::SetKeyspace("ks".into())),
        Response::Result(ResultBody::Prepared(Prepared {
            id: vec![0x11; 16],
            metadata: PreparedMetadata {
                pk_indexes: vec![1, 0],
                columns: vec![spec("id", ColumnType::Bigint), spec("ck", ColumnType::Int)],
            },
            result_metadata: RowsMetadata::new(vec![spec("v", ColumnType::Blob)]),
        })),
        Response::Result(ResultBody::Prepared(Prepared {
            id: vec![],
            metadata: PreparedMetadata { pk_indexes: vec![], columns: mixed },
            result_metadata: RowsMetadata::empty(),
        })),
    ]);
    let change = |change_type, target| SchemaChange { change_type, target };
    let targets = vec![
        SchemaChangeTarget::Keyspace { keyspace: "ks".into() },
        SchemaChangeTarget::Table { keyspace: "ks".into(), table: "t".into() },
        SchemaChangeTarget::Type { keyspace: "ks".into(), type_name: "u".into() },
        SchemaChangeTarget::Function { keyspace: "ks".into(), function: "f".into(), arg_types: vec!["int".into()] },
        SchemaChangeTarget::Aggregate { keyspace: "ks".into(), aggregate: "a".into(), arg_types: vec![] },
    ];
    for (i, t) in targets.into_iter().enumerate() {
        let ct = [SchemaChangeType::Created, SchemaChangeType::Updated, SchemaChangeType::Dropped][i % 3];
        responses.push(Response::Result(ResultBody::SchemaChange(change(ct, t.clone()))));
        responses.push(Response::Event(Event::SchemaChange(change(ct, t))));
    }
    responses.extend([
        Response::Event(Event::TopologyChange { change: TopologyChangeType::NewNode, address: addr }),
        Response::Event(Event::TopologyChange {
            change: TopologyChangeType::MovedNode,
            address: "[2001:db8::1]:9042".parse().unwrap(),
        }),
        Response::Event(Event::StatusChange { change: StatusChangeType::Down, address: addr }),
        Response::AuthChallenge(Some(vec![1, 2])),
        Response::AuthChallenge(None),
        Response::AuthSuccess(None),
        Response::AuthSuccess(Some(vec![])),
    ]);
    responses
}

fn encode_request(req: &Request) -> Vec<u8> {
    let mut out = Vec::new();
    req.encode(&mut out).unwrap();
    out
}

fn encode_response(resp: &Response) -> Vec<u8> {
    let mut out = Vec::new();
    resp.encode(&mut out).unwrap();
    out
}

#[test]
fn every_request_round_trips() {
    for req in sample_requests() {
        let body = encode_request(&req);
        assert_eq!(Request::decode(req.opcode(), &body).unwrap(), req);
    }
}

#[test]
fn every_response_round_trips() {
    let responses = sample_responses();
    assert!(responses.len() > 40);
    for resp in responses {
        let body = encode_response(&resp);
        assert_eq!(Response::decode(resp.opcode(), &body).unwrap(), resp);
    }
}

#[test]
fn every_error_code_matches_the_spec() {
    let codes: Vec<i32> = sample_error_kinds().iter().map(ErrorKind::code).collect();
    let expected = [
        0x0000, 0x000A, 0x0100, 0x1000, 0x1001, 0x1002, 0x1003, 0x1100, 0x1100, 0x1200, 0x1200, 0x1300, 0x1400, 0x1500,
        0x2000, 0x2100, 0x2200, 0x2300, 0x2400, 0x2400, 0x2500,
    ];
    assert_eq!(codes, expected);
}

#[test]
fn truncated_bodies_are_errors_at_every_position() {
    for req in sample_requests() {
        let body = encode_request(&req);
        for cut in 0..body.len() {
            assert!(Request::decode(req.opcode(), &body[..cut]).is_err(), "{req:?} cut at {cut}");
        }
    }
    for resp in sample_responses() {
        let body = encode_response(&resp);
        for cut in 0..body.len() {
            assert!(Response::decode(resp.opcode(), &body[..cut]).is_err(), "{resp:?} cut at {cut}");
        }
    }
}

#[test]
fn wrong_direction_opcodes_are_errors() {
    assert_eq!(
        Request::decode(Opcode::Ready, &[]),
        Err(ProtocolError::UnexpectedOpcode { opcode: Opcode::Ready, expected: "request" })
    );
    assert_eq!(
        Response::decode(Opcode::Options, &[]),
        Err(ProtocolError::UnexpectedOpcode { opcode: Opcode::Options, expected: "response" })
    );
}

#[test]
fn query_request_is_byte_exact() {
    // QUERY "a" at ONE with values [int 1, null, unset] and page size 100.
    let req = Request::Query {
        query: "a".into(),
        params: QueryParameters {
            values: Values::Positional(vec![Value::Set(vec![0, 0, 0, 1]), Value::Null, Value::Unset]),
            page_size: Some(100),
            ..QueryParameters::new(Consistency::One)
        },
    };
    #[rustfmt::skip]
    let expected = [
        0, 0, 0, 1, b'a',       // [long string] query
        0, 1,                   // consistency ONE
        0x05,                   // flags: values | page size
        0, 3,                   // 3 values
        0, 0, 0, 4, 0, 0, 0, 1, // int 1
        0xFF, 0xFF, 0xFF, 0xFF, // null
        0xFF, 0xFF, 0xFF, 0xFE, // unset
        0, 0, 0, 100,           // page size
    ];
    assert_eq!(encode_request(&req), expected);
}

#[test]
fn rows_result_is_byte_exact_with_a_global_table_spec() {
    let resp = Response::Result(ResultBody::Rows(Rows {
        metadata: RowsMetadata::new(vec![spec("k", ColumnType::Int)]),
        rows: vec![vec![Some(vec![0, 0, 0, 7])], vec![None]],
    }));
    #[rustfmt::skip]
    let expected = [
        0, 0, 0, 2,             // kind Rows
        0, 0, 0, 1,             // flags: Global_tables_spec
        0, 0, 0, 1,             // 1 column
        0, 2, b'k', b's', 0, 1, b't',
        0, 1, b'k', 0, 9,       // "k" int
        0, 0, 0, 2,             // 2 rows
        0, 0, 0, 4, 0, 0, 0, 7,
        0xFF, 0xFF, 0xFF, 0xFF,
    ];
    assert_eq!(encode_response(&resp), expected);
}

#[test]
fn per_column_specs_when_tables_differ() {
    let md = RowsMetadata::new(vec![spec("a", ColumnType::Int), ColumnSpec::new("ks", "u", "b", ColumnType::Int)]);
    let mut out = Vec::new();
    md.encode(&mut out).unwrap();
    assert_eq!(&out[..4], &[0, 0, 0, 0]);
    let md = RowsMetadata::no_metadata(2).with_paging_state(Some(vec![5]));
    let mut out = Vec::new();
    md.encode(&mut out).unwrap();
    assert_eq!(out, [0, 0, 0, 6, 0, 0, 0, 2, 0, 0, 0, 1, 5]);
}

#[test]
fn bad_consistency_and_value_lengths_are_errors() {
    let mut body = Vec::new();
    body.write_long_string("q").unwrap();
    body.extend_from_slice(&[0x00, 0x0B, 0x00]);
    assert_eq!(Request::decode(Opcode::Query, &body), Err(ProtocolError::InvalidConsistency { code: 0x0B }));
    let mut body = Vec::new();
    body.write_long_string("q").unwrap();
    body.extend_from_slice(&[0x00, 0x01, 0x01, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFD]);
    assert_eq!(Request::decode(Opcode::Query, &body), Err(ProtocolError::InvalidValueLength { length: -3 }));
}

#[test]
fn hostile_counts_never_preallocate() {
    // EXECUTE claiming 65535 values with none present.
    let body = [0, 1, 0xAA, 0, 1, 0x01, 0xFF, 0xFF];
    assert!(matches!(Request::decode(Opcode::Execute, &body), Err(ProtocolError::CountTooLarge { .. })));
    // Rows with 2^31-1 columns (no metadata) and 2^31-1 rows.
    let body = [0, 0, 0, 2, 0, 0, 0, 4, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF];
    assert!(matches!(Response::decode(Opcode::Result, &body), Err(ProtocolError::CountTooLarge { .. })));
    // Rows with 0 columns and 2^31-1 rows: every row is empty, the count is still bounded.
    let body = [0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF];
    assert!(matches!(Response::decode(Opcode::Result, &body), Err(ProtocolError::CountTooLarge { .. })));
    // Up to MAX_EMPTY_ROWS of them decode and re-encode to the same (regression: fuzz found
    // a count bounded by trailing bytes, which the re-encoded body no longer had).
    let resp = Response::Result(ResultBody::Rows(Rows { metadata: RowsMetadata::new(vec![]), rows: vec![vec![]; 43] }));
    let body = encode_response(&resp);
    assert_eq!(Response::decode(Opcode::Result, &body).unwrap(), resp);
    // Negative counts.
    let body = [0, 0, 0, 2, 0, 0, 0, 4, 0x80, 0, 0, 0, 0, 0, 0, 0];
    assert!(matches!(Response::decode(Opcode::Result, &body), Err(ProtocolError::NegativeLength { .. })));
    // A batch claiming 65535 statements.
    let body = [0, 0xFF, 0xFF, 0, 0];
    assert!(matches!(Request::decode(Opcode::Batch, &body), Err(ProtocolError::CountTooLarge { .. })));
    // A prepared result claiming 2^31-1 pk indexes.
    let body = [0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF];
    assert!(matches!(Response::decode(Opcode::Result, &body), Err(ProtocolError::CountTooLarge { .. })));
}

#[test]
fn unknown_names_and_kinds_are_errors() {
    let mut body = Vec::new();
    body.write_string_list(&["SCHEMA_CHANGE".into(), "NOPE".into()]).unwrap();
    assert_eq!(
        Request::decode(Opcode::Register, &body),
        Err(ProtocolError::UnknownName { what: "event type", value: "NOPE".into() })
    );
    assert_eq!(Response::decode(Opcode::Result, &[0, 0, 0, 9]), Err(ProtocolError::UnknownResultKind { kind: 9 }));
    assert_eq!(Request::decode(Opcode::Batch, &[3, 0, 0]), Err(ProtocolError::UnknownBatchType { kind: 3 }));
    assert_eq!(
        Request::decode(Opcode::Batch, &[0, 0, 1, 2, 0, 0, 0, 0, 0]),
        Err(ProtocolError::UnknownBatchStatementKind { kind: 2 })
    );
    let mut body = Vec::new();
    body.write_string("CREATED").unwrap();
    body.write_string("INDEX").unwrap();
    assert!(matches!(Response::decode(Opcode::Event, &body), Err(ProtocolError::UnknownName { .. })));
}

#[test]
fn trailing_bytes_are_ignored() {
    let mut body = encode_request(&Request::Prepare { query: "q".into() });
    body.extend_from_slice(&[1, 2, 3]);
    assert_eq!(Request::decode(Opcode::Prepare, &body).unwrap(), Request::Prepare { query: "q".into() });
}

#[test]
fn batch_ignores_reserved_flag_bits_and_rejects_min_timestamp() {
    let mut body = vec![1, 0, 0, 0, 4, 0x0F];
    assert!(Request::decode(Opcode::Batch, &body).is_ok());
    body = vec![1, 0, 0, 0, 4, 0x20];
    body.extend_from_slice(&i64::MIN.to_be_bytes());
    assert_eq!(Request::decode(Opcode::Batch, &body), Err(ProtocolError::InvalidTimestamp { timestamp: i64::MIN }));
}

#[test]
fn inconsistent_metadata_and_row_widths_are_encode_errors() {
    let md = RowsMetadata { columns_count: 2, paging_state: None, columns: Some(vec![spec("a", ColumnType::Int)]) };
    assert_eq!(md.encode(&mut Vec::new()), Err(ProtocolError::InconsistentMetadata { columns_count: 2, specs: 1 }));
    let rows = Rows { metadata: RowsMetadata::new(vec![spec("a", ColumnType::Int)]), rows: vec![vec![None, None]] };
    assert_eq!(rows.encode(&mut Vec::new()), Err(ProtocolError::RowWidthMismatch { cells: 2, columns_count: 1 }));
}

#[test]
fn rows_writer_matches_the_owned_encoding() {
    let md = RowsMetadata::new(vec![spec("a", ColumnType::Int), spec("b", ColumnType::Blob)]);
    let rows: Vec<Row> = (0..50u8).map(|i| vec![Some(vec![0, 0, 0, i]), (i % 3 == 0).then(|| vec![i; 5])]).collect();
    let expected =
        encode_response(&Response::Result(ResultBody::Rows(Rows { metadata: md.clone(), rows: rows.clone() })));
    let mut out = Vec::new();
    let mut w = RowsWriter::begin(&mut out, &md).unwrap();
    for row in &rows {
        w.push_row(row.iter().map(Option::as_deref)).unwrap();
    }
    // A bad row leaves nothing behind.
    assert!(w.push_row([None]).is_err());
    assert_eq!(w.rows(), 50);
    assert_eq!(w.finish(), 50);
    assert_eq!(out, expected);
    let mut out = vec![0, 0, 0, 2];
    encode_rows_content(&mut out, &md, &rows).unwrap();
    assert_eq!(out, expected);
}
