"""Layer 4, shape tables: records of a model's layers and their renderers."""
