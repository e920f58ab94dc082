"""The only code that talks to Docker: the docker SDK's client, reading containers and networks
into typed specs, resolving references, writing restart policies, following events."""
