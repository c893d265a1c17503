"""What the worker tells users: recorded once, listed in JupyterLab, mailed through SES."""
