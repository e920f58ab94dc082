"""`unitgen export` and `unitgen graph`'s pictures: Compose, Quadlet and stack files from the
specs, and the graph as text, DOT or Mermaid (pure)."""
