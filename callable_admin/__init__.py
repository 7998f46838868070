"""Callable Admin: the web dashboard for the Callable cloud telephony platform."""

__version__ = "0.1.0"
