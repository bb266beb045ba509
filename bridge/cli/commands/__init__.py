"""The `bridge` command groups, one module each; ``bridge.cli.main`` registers them."""
