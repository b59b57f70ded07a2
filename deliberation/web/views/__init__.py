"""Route handlers of the core: parse input, call one service, render."""
