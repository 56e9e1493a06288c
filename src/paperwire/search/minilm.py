"""The embedding model every stored vector comes from, and the length of its vectors
(settings-free, so that the vector indexes can name them without loading Django models)."""

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
