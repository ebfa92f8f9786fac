"""The shared mechanisms below every app (docs/architecture.md): it imports no project app."""
