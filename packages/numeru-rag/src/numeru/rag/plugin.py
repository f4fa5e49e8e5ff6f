"""What numeru-rag registers with numeru.core (nothing yet: see this package's README)."""
