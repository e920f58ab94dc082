"""`unitgen update`: which containers take part and what a pull means (pure), the state of
rejected ids and of the update under way, and the pulls, tags and restarts around them."""
