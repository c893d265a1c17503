"""Scheduled notebook jobs: intake, schedules, runs and results."""
