"""Writes to the layers: each service keeps derived data (membership, topology, versions) true."""
