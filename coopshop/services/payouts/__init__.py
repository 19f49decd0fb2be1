"""Money out to members: payout batches, the bank file, reconciliation."""
