"""The routers: ``openai`` (/v1/...), ``health`` (/healthz, /readyz)."""
