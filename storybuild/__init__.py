"""storybuild: turn a story.yaml into a narrated, animated video, rebuilding only what changed."""

__version__ = "0.1.0"
