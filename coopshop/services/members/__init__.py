"""Members: membership decisions, users, producer profiles, statement questions."""
