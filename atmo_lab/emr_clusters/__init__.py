"""On-demand EMR clusters: rules, provisioning, lifecycle."""
