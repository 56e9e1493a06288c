"""The embedding model every stored vector comes from, and the length of its vectors
(settings-free, so that the vector indexes can name them without loading Django models)."""

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384

# A draft vector: the same model over a text's first DRAFT_TOKENS tokens only, about three
# times faster to make (see paperwire.search.dense). Searched beside the full vectors, which
# replace the drafts as they are made.
DRAFT_TOKENS = 128
DRAFT_MODEL = f"{MODEL_NAME}:first-{DRAFT_TOKENS}-tokens"
SEARCHABLE_MODELS = (MODEL_NAME, DRAFT_MODEL)
