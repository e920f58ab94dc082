"""The only code that talks to Docker: the Engine API client, reading containers and networks
into typed specs, resolving references, writing restart policies, following events."""
