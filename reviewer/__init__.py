"""reviewer: pull-request review on a local model."""

__version__ = "0.1.0"
