"""The bounded load test (issue #7 item 5): the real app under gunicorn on loopback, an RQ worker, PostgreSQL and
Redis; participants submit leads and read balances over API v1 and browse pages while the organiser runs a
settlement and downloads the tenant export. `python -m tests.load` (or `make load`) runs the full size and prints
requests/s and latency percentiles next to the budget; tests/load/test_load.py runs a small size in CI."""
