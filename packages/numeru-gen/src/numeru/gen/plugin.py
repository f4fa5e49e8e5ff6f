"""What numeru-gen registers with numeru.core (nothing yet: see this package's README)."""
