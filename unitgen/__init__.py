"""unitgen: systemd units for Docker containers, ordered by what they need."""

__version__ = "0.1.0"
