//! The [consistency] notation: a [short] code per level (spec §3).

use std::fmt;

use crate::error::ProtocolError;

/// A consistency level with its v4 wire code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Consistency {
    Any = 0x0000,
    One = 0x0001,
    Two = 0x0002,
    Three = 0x0003,
    Quorum = 0x0004,
    All = 0x0005,
    LocalQuorum = 0x0006,
    EachQuorum = 0x0007,
    Serial = 0x0008,
    LocalSerial = 0x0009,
    LocalOne = 0x000A,
}

impl Consistency {
    /// Every level, in code order.
    pub const ALL_LEVELS: [Consistency; 11] = [
        Consistency::Any,
        Consistency::One,
        Consistency::Two,
        Consistency::Three,
        Consistency::Quorum,
        Consistency::All,
        Consistency::LocalQuorum,
        Consistency::EachQuorum,
        Consistency::Serial,
        Consistency::LocalSerial,
        Consistency::LocalOne,
    ];

    /// The wire code.
    pub fn code(self) -> u16 {
        self as u16
    }

    /// Cassandra's upper-case name (`LOCAL_QUORUM`).
    pub fn as_str(self) -> &'static str {
        match self {
            Consistency::Any => "ANY",
            Consistency::One => "ONE",
            Consistency::Two => "TWO",
            Consistency::Three => "THREE",
            Consistency::Quorum => "QUORUM",
            Consistency::All => "ALL",
            Consistency::LocalQuorum => "LOCAL_QUORUM",
            Consistency::EachQuorum => "EACH_QUORUM",
            Consistency::Serial => "SERIAL",
            Consistency::LocalSerial => "LOCAL_SERIAL",
            Consistency::LocalOne => "LOCAL_ONE",
        }
    }

    /// SERIAL or LOCAL_SERIAL: the only levels allowed as a serial consistency.
    pub fn is_serial(self) -> bool {
        matches!(self, Consistency::Serial | Consistency::LocalSerial)
    }
}

impl TryFrom<u16> for Consistency {
    type Error = ProtocolError;

    fn try_from(code: u16) -> Result<Self, ProtocolError> {
        Consistency::ALL_LEVELS.get(usize::from(code)).copied().ok_or(ProtocolError::InvalidConsistency { code })
    }
}

impl fmt::Display for Consistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_the_spec() {
        for (i, cl) in Consistency::ALL_LEVELS.iter().enumerate() {
            assert_eq!(usize::from(cl.code()), i);
            assert_eq!(Consistency::try_from(cl.code()), Ok(*cl));
        }
        assert_eq!(Consistency::LocalOne.code(), 0x000A);
        assert_eq!(Consistency::LocalQuorum.as_str(), "LOCAL_QUORUM");
    }

    #[test]
    fn bad_code_is_an_error() {
        assert_eq!(Consistency::try_from(0x000B), Err(ProtocolError::InvalidConsistency { code: 0x000B }));
        assert_eq!(Consistency::try_from(0xFFFF), Err(ProtocolError::InvalidConsistency { code: 0xFFFF }));
    }
}
