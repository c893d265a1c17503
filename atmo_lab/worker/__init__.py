"""The huey worker: job runs and periodic maintenance, embedded or standalone."""
