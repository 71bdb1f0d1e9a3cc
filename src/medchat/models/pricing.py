"""List prices in USD per one million tokens, for cost reports.

Prices change: these are the providers' published list prices as we last checked them (2026), for
standard (non-batch, non-cached) text tokens. Override or add any model in ``medchat.toml``
under ``[pricing."provider/model"]``; local models cost 0; a model in neither place has unknown cost
(``cost_usd = None``), never a guessed one.
"""

from __future__ import annotations

from medchat.config import Price, Settings

# model id (without provider prefix) -> (input, output) USD per 1M tokens
LIST_PRICES: dict[str, tuple[float, float]] = {
    # OpenAI
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
    # Google
    "gemini-2.0-flash": (0.10, 0.40),
    "gemini-2.0-flash-lite": (0.075, 0.30),
    "gemini-2.5-flash": (0.30, 2.50),
    "gemini-2.5-flash-lite": (0.10, 0.40),
    "gemini-2.5-pro": (1.25, 10.00),
}


def price_for(model: str, settings: Settings) -> Price | None:
    """Price for ``provider/model``: the user's table first, then the list above by model id."""
    if model in settings.pricing:
        return settings.pricing[model]
    _, _, model_id = model.partition("/")
    if model_id in settings.pricing:
        return settings.pricing[model_id]
    # OpenRouter ids carry the vendor: "openrouter/openai/gpt-4o-mini".
    bare = model_id.rsplit("/", 1)[-1]
    for key in (model_id, bare):
        if key in LIST_PRICES:
            inp, out = LIST_PRICES[key]
            return Price(input=inp, output=out)
    return None
