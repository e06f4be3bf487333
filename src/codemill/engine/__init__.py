"""The stage engine: stages, shards, manifests and checksums, executors (local, Ray)."""
