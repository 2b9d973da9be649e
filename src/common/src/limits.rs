//! Named limits shared by several crates. Each carries its unit in its name.

/// Largest serialized partition key or clustering component, in bytes (Cassandra's format limit).
pub const MAX_KEY_COMPONENT_BYTES: usize = 65_535;

/// Default `max_mutation_size`: half of the default 32 MiB commitlog segment, as in Cassandra.
pub const DEFAULT_MAX_MUTATION_SIZE_BYTES: usize = 16 * 1024 * 1024;

/// Default `commitlog_segment_size`.
pub const DEFAULT_COMMITLOG_SEGMENT_SIZE_BYTES: usize = 32 * 1024 * 1024;

/// Default `gc_grace_seconds` (10 days).
pub const DEFAULT_GC_GRACE_SECONDS: u32 = 864_000;
