//! Request messages (spec §4.1): what a client sends.

use crate::batch::Batch;
use crate::error::{ProtocolError, Result};
use crate::event::EventType;
use crate::frame::Opcode;
use crate::primitives::{Reader, StringMap, Writer};
use crate::query_params::QueryParameters;

/// A request body, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Connection options ([string map]): CQL_VERSION, COMPRESSION, DRIVER_NAME...
    Startup(StringMap),
    Options,
    Query {
        query: String,
        params: QueryParameters,
    },
    Prepare {
        query: String,
    },
    Execute {
        id: Vec<u8>,
        params: QueryParameters,
    },
    Register {
        events: Vec<EventType>,
    },
    Batch(Batch),
    /// A SASL token; `None` for a null [bytes].
    AuthResponse(Option<Vec<u8>>),
}

impl Request {
    pub fn opcode(&self) -> Opcode {
        match self {
            Request::Startup(_) => Opcode::Startup,
            Request::Options => Opcode::Options,
            Request::Query { .. } => Opcode::Query,
            Request::Prepare { .. } => Opcode::Prepare,
            Request::Execute { .. } => Opcode::Execute,
            Request::Register { .. } => Opcode::Register,
            Request::Batch(_) => Opcode::Batch,
            Request::AuthResponse(_) => Opcode::AuthResponse,
        }
    }

    /// Decodes a (decompressed) message body, without the frame's custom payload or other
    /// flag-driven prefix (see [`crate::decode_request_body`]). Trailing bytes are ignored, as
    /// the spec allows for future extensions.
    pub fn decode(opcode: Opcode, body: &[u8]) -> Result<Request> {
        let r = &mut Reader::new(body);
        Ok(match opcode {
            Opcode::Startup => Request::Startup(r.read_string_map("startup options")?),
            Opcode::Options => Request::Options,
            Opcode::Query => {
                let query = r.read_long_string("query")?.to_owned();
                Request::Query { query, params: QueryParameters::decode(r)? }
            }
            Opcode::Prepare => Request::Prepare { query: r.read_long_string("query")?.to_owned() },
            Opcode::Execute => {
                let id = r.read_short_bytes("prepared id")?.to_vec();
                Request::Execute { id, params: QueryParameters::decode(r)? }
            }
            Opcode::Register => {
                let names = r.read_string_list("event types")?;
                let events = names.iter().map(|n| EventType::parse(n)).collect::<Result<_>>()?;
                Request::Register { events }
            }
            Opcode::Batch => Request::Batch(Batch::decode(r)?),
            Opcode::AuthResponse => Request::AuthResponse(r.read_bytes("auth token")?.map(<[u8]>::to_vec)),
            opcode => return Err(ProtocolError::UnexpectedOpcode { opcode, expected: "request" }),
        })
    }

    /// Writes the message body.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Request::Startup(options) => out.write_string_map(options),
            Request::Options => Ok(()),
            Request::Query { query, params } => {
                out.write_long_string(query)?;
                params.encode(out)
            }
            Request::Prepare { query } => out.write_long_string(query),
            Request::Execute { id, params } => {
                out.write_short_bytes(id)?;
                params.encode(out)
            }
            Request::Register { events } => {
                out.write_short_len("event types", events.len())?;
                events.iter().try_for_each(|e| out.write_string(e.as_str()))
            }
            Request::Batch(batch) => batch.encode(out),
            Request::AuthResponse(token) => out.write_bytes(token.as_deref()),
        }
    }
}
