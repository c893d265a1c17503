"""The version of atmo_lab: written by the build (``_version.py``), else a development one."""

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0.dev0"

__all__ = ["__version__"]
