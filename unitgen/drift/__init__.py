"""Drift: what drift compares (gathered), the findings (pure), and their table or JSON."""
