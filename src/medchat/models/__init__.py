"""Providers: one module per wire protocol, a registry that resolves model strings, and pricing."""

from medchat.models.base import ChatModel, ProviderModel, collect
from medchat.models.registry import ModelSpec, ProviderInfo, create_model, providers, register_provider

__all__ = ["ChatModel", "ModelSpec", "ProviderInfo", "ProviderModel", "collect", "create_model", "providers",
           "register_provider"]
