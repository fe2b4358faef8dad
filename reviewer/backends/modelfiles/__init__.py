"""Model files: the registry of known models and their cache (registry), Hugging Face downloads
(hf)."""
