"""A real HTTP server on loopback that replays recorded ``/models`` bodies: test notebooks offline.

See :class:`ReplayServer`; :mod:`.replay` documents what it serves.
"""

from .replay import Fault, ReplayServer, filter_models, load_bodies, sample_path, serve_forever

__all__ = ["ReplayServer", "Fault", "load_bodies", "filter_models", "serve_forever", "sample_path"]
