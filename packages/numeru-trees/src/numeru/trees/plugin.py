"""What numeru-trees registers with numeru.core (nothing yet: see this package's README)."""
