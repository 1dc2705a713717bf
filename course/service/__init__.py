"""The grading service: `python -m course serve` (serve.py) grades submissions as they
arrive in nbgrader's exchange (exchange.py), keeping a ledger of each (ledger.py)."""
