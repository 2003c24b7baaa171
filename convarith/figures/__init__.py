"""Layer 4, figures: animation scenes and their renderer, static figures and theirs, and
the lecture set."""
