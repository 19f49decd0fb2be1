"""The books: ledger postings, ledger check, balances, commission, deductions."""
