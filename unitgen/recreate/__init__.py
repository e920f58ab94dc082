"""Recreate mode's record: the requests that create a container again, from its inspect."""
