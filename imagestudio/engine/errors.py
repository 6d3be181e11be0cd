"""Engine error type (kept separate so every module can raise it without cycles)."""


class EngineError(ValueError):
    """Raised for invalid render inputs; the message says which field and the allowed range."""
