"""unitgen's built-in Jinja2 templates (shipped in the package as `unitgen.templates`)."""
