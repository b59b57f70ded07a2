"""deliberation: public consultation and deliberation for cities, hybrid by design."""

__version__ = "0.1.0"
