"""The library API the CLI is a client of: each command gathers what it needs from the host and
the engine, decides with the pure packages, and applies."""
