"""The use cases both `reviewer review` and `reviewer action` run (usecases) and what builds their
parts from the settings (wiring)."""
