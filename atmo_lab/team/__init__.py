"""Team deployment on JupyterHub: the service (``atmo-lab serve``) and client mode.

The service holds the store, the AWS credentials and the worker, and knows people only by what
the Hub answers about their token. A user's server in client mode (``service_url`` set) holds
none of those: it forwards the REST API to the service with its own Hub token.
"""
