"""Spark on clusters: the Spark Connect endpoint of a cluster and the sessions that use it.

``releases`` (which Spark a release runs), ``endpoint`` (ports, URLs, the SSH tunnel, the launch
step and the readiness probe), ``local`` (a local Spark Connect server standing in for a master
node), ``session`` (``atmo_lab.spark(cluster)``). Importing this package costs nothing: pyspark is
imported only when a session is opened.
"""
