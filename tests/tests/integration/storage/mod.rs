mod clustering_order;
mod corruption;
mod crash;
mod engine_basics;
mod format_fixtures;
mod model;
mod murmur3;
mod regressions;
