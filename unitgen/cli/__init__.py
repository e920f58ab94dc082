"""The click layer: parses options, calls `unitgen.commands`, prints; errors become exit codes in
`unitgen.cli.main` alone."""
