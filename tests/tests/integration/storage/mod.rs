mod murmur3;
mod engine_basics;
