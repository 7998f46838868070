"""The only code that speaks HTTP to the Callable API."""
