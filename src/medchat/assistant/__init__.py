"""The guarded medical assistant: safety screening, grounded prompting, streaming validation, memory."""

from medchat.assistant.pipeline import Assistant
from medchat.assistant.reply import AssistantReply, Citation, TraceStep

__all__ = ["Assistant", "AssistantReply", "Citation", "TraceStep"]
