"""Background work: RQ job entry points (jobs.py), the schedule (schedule.py), the worker process (__main__)."""
