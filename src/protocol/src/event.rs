//! EVENT bodies (spec §4.2.6) and the schema change they share with RESULT Schema_change.

use std::net::SocketAddr;

use crate::error::{ProtocolError, Result};
use crate::primitives::{Reader, Writer};

fn unknown(what: &'static str, value: &str) -> ProtocolError {
    ProtocolError::UnknownName { what, value: value.to_owned() }
}

/// Defines a string-valued enum with its wire names.
macro_rules! wire_names {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The name on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the wire name (exact, upper case).
            pub fn parse(s: &str) -> Result<Self> {
                match s { $($text => Ok($name::$variant),)+ other => Err(unknown($what, other)) }
            }

            fn decode(r: &mut Reader<'_>) -> Result<Self> {
                Self::parse(r.read_string($what)?)
            }
        }
    };
}

wire_names!(
    /// What a connection REGISTERs for.
    EventType, "event type" {
        TopologyChange = "TOPOLOGY_CHANGE",
        StatusChange = "STATUS_CHANGE",
        SchemaChange = "SCHEMA_CHANGE",
    }
);

wire_names!(TopologyChangeType, "topology change type" {
    NewNode = "NEW_NODE",
    RemovedNode = "REMOVED_NODE",
    MovedNode = "MOVED_NODE",
});

wire_names!(StatusChangeType, "status change type" { Up = "UP", Down = "DOWN" });

wire_names!(SchemaChangeType, "schema change type" {
    Created = "CREATED",
    Updated = "UPDATED",
    Dropped = "DROPPED",
});

/// What changed, with the options its target carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaChangeTarget {
    Keyspace { keyspace: String },
    Table { keyspace: String, table: String },
    Type { keyspace: String, type_name: String },
    Function { keyspace: String, function: String, arg_types: Vec<String> },
    Aggregate { keyspace: String, aggregate: String, arg_types: Vec<String> },
}

/// `<change_type><target><options>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaChange {
    pub change_type: SchemaChangeType,
    pub target: SchemaChangeTarget,
}

impl SchemaChange {
    pub fn decode(r: &mut Reader<'_>) -> Result<SchemaChange> {
        let change_type = SchemaChangeType::decode(r)?;
        let target = r.read_string("schema change target")?;
        let mut s = |what| r.read_string(what).map(str::to_owned);
        let target = match target {
            "KEYSPACE" => SchemaChangeTarget::Keyspace { keyspace: s("keyspace")? },
            "TABLE" => SchemaChangeTarget::Table { keyspace: s("keyspace")?, table: s("table")? },
            "TYPE" => SchemaChangeTarget::Type { keyspace: s("keyspace")?, type_name: s("type")? },
            "FUNCTION" => {
                let (keyspace, function) = (s("keyspace")?, s("function")?);
                SchemaChangeTarget::Function { keyspace, function, arg_types: r.read_string_list("argument types")? }
            }
            "AGGREGATE" => {
                let (keyspace, aggregate) = (s("keyspace")?, s("aggregate")?);
                SchemaChangeTarget::Aggregate { keyspace, aggregate, arg_types: r.read_string_list("argument types")? }
            }
            other => return Err(unknown("schema change target", other)),
        };
        Ok(SchemaChange { change_type, target })
    }

    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.write_string(self.change_type.as_str())?;
        match &self.target {
            SchemaChangeTarget::Keyspace { keyspace } => {
                out.write_string("KEYSPACE")?;
                out.write_string(keyspace)
            }
            SchemaChangeTarget::Table { keyspace, table } => {
                out.write_string("TABLE")?;
                out.write_string(keyspace)?;
                out.write_string(table)
            }
            SchemaChangeTarget::Type { keyspace, type_name } => {
                out.write_string("TYPE")?;
                out.write_string(keyspace)?;
                out.write_string(type_name)
            }
            SchemaChangeTarget::Function { keyspace, function: name, arg_types }
            | SchemaChangeTarget::Aggregate { keyspace, aggregate: name, arg_types } => {
                let target =
                    if matches!(self.target, SchemaChangeTarget::Function { .. }) { "FUNCTION" } else { "AGGREGATE" };
                out.write_string(target)?;
                out.write_string(keyspace)?;
                out.write_string(name)?;
                out.write_string_list(arg_types)
            }
        }
    }
}

/// A server push (sent on stream -1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    TopologyChange { change: TopologyChangeType, address: SocketAddr },
    StatusChange { change: StatusChangeType, address: SocketAddr },
    SchemaChange(SchemaChange),
}

impl Event {
    pub fn event_type(&self) -> EventType {
        match self {
            Event::TopologyChange { .. } => EventType::TopologyChange,
            Event::StatusChange { .. } => EventType::StatusChange,
            Event::SchemaChange(_) => EventType::SchemaChange,
        }
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<Event> {
        Ok(match EventType::decode(r)? {
            EventType::TopologyChange => {
                let change = TopologyChangeType::decode(r)?;
                Event::TopologyChange { change, address: r.read_inet("node address")? }
            }
            EventType::StatusChange => {
                let change = StatusChangeType::decode(r)?;
                Event::StatusChange { change, address: r.read_inet("node address")? }
            }
            EventType::SchemaChange => Event::SchemaChange(SchemaChange::decode(r)?),
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.write_string(self.event_type().as_str())?;
        match self {
            Event::TopologyChange { change, address } => {
                out.write_string(change.as_str())?;
                out.write_inet(address);
            }
            Event::StatusChange { change, address } => {
                out.write_string(change.as_str())?;
                out.write_inet(address);
            }
            Event::SchemaChange(sc) => sc.encode(out)?,
        }
        Ok(())
    }
}
