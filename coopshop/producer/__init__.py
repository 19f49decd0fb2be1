"""The producer blueprint."""
