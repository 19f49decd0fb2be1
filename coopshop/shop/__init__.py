"""The shop blueprint."""
