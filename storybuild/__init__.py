"""storybuild: turn a story.yaml into a narrated, animated video, rebuilding only what changed.

The library API is `Session` (see storybuild.api); the command line is a thin layer on it.
"""

from storybuild.api import Plan, RenderOutcome, Session, Validation
from storybuild.events import Listener, StepEvent

__version__ = "0.1.0"

__all__ = ["Listener", "Plan", "RenderOutcome", "Session", "StepEvent", "Validation", "__version__"]
