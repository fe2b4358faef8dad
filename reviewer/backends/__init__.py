"""Model backends: in-process llama-cpp-python, or any OpenAI-compatible server."""

from .base import Backend, Chooser, Choice, JudgingBackend, Message

__all__ = ["Backend", "Chooser", "Choice", "JudgingBackend", "Message"]
