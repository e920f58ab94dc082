"""The only I/O on the host: systemd, the units unitgen installed, the one gathering of host
state, the lock, and applying a plan (atomic writes)."""
