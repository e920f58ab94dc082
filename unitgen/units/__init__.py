"""Unit files: the order-preserving model and systemd's quoting, rendering specs into units
(template context, restart mapping, sandbox), and the helper every unit runs (pure)."""
