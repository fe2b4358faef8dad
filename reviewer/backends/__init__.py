"""Model backends: in-process llama-cpp-python, or any OpenAI-compatible server."""

from .base import Backend, Message

__all__ = ["Backend", "Message"]
