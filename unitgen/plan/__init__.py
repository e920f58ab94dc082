"""What install, uninstall, sync and adopt would do, as data (the Plan value), and the pure
decisions that make it."""
