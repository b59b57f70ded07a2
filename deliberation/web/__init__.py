"""The web layer: routing with permissions, templates, forms, errors and middleware."""
