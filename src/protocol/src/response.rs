//! Response messages (spec §4.2): what a server sends.

use crate::error::{ProtocolError, Result};
use crate::error_body::ErrorBody;
use crate::event::Event;
use crate::frame::Opcode;
use crate::primitives::{Reader, StringMultimap, Writer};
use crate::result::ResultBody;

/// A response body, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Error(ErrorBody),
    Ready,
    /// The authenticator's class name.
    Authenticate(String),
    /// The supported STARTUP options: CQL_VERSION, COMPRESSION, PROTOCOL_VERSIONS...
    Supported(StringMultimap),
    Result(ResultBody),
    Event(Event),
    AuthChallenge(Option<Vec<u8>>),
    AuthSuccess(Option<Vec<u8>>),
}

impl Response {
    pub fn opcode(&self) -> Opcode {
        match self {
            Response::Error(_) => Opcode::Error,
            Response::Ready => Opcode::Ready,
            Response::Authenticate(_) => Opcode::Authenticate,
            Response::Supported(_) => Opcode::Supported,
            Response::Result(_) => Opcode::Result,
            Response::Event(_) => Opcode::Event,
            Response::AuthChallenge(_) => Opcode::AuthChallenge,
            Response::AuthSuccess(_) => Opcode::AuthSuccess,
        }
    }

    /// Decodes a (decompressed) message body, without the tracing id, warnings or custom
    /// payload prefix (see [`crate::decode_response_body`]). Trailing bytes are ignored.
    pub fn decode(opcode: Opcode, body: &[u8]) -> Result<Response> {
        let r = &mut Reader::new(body);
        Ok(match opcode {
            Opcode::Error => Response::Error(ErrorBody::decode(r)?),
            Opcode::Ready => Response::Ready,
            Opcode::Authenticate => Response::Authenticate(r.read_string("authenticator")?.to_owned()),
            Opcode::Supported => Response::Supported(r.read_string_multimap("supported options")?),
            Opcode::Result => Response::Result(ResultBody::decode(r)?),
            Opcode::Event => Response::Event(Event::decode(r)?),
            Opcode::AuthChallenge => Response::AuthChallenge(r.read_bytes("auth token")?.map(<[u8]>::to_vec)),
            Opcode::AuthSuccess => Response::AuthSuccess(r.read_bytes("auth token")?.map(<[u8]>::to_vec)),
            opcode => return Err(ProtocolError::UnexpectedOpcode { opcode, expected: "response" }),
        })
    }

    /// Writes the message body.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Response::Error(e) => e.encode(out),
            Response::Ready => Ok(()),
            Response::Authenticate(class) => out.write_string(class),
            Response::Supported(options) => out.write_string_multimap(options),
            Response::Result(result) => result.encode(out),
            Response::Event(event) => event.encode(out),
            Response::AuthChallenge(token) | Response::AuthSuccess(token) => out.write_bytes(token.as_deref()),
        }
    }
}
