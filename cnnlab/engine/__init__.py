"""Training engine: jobs, runners, worker processes, trainer, runs store, data; uses bridge and core."""
