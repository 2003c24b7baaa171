"""Layer 2, the specs: layers as frozen dataclasses, a network of them, and the zoo as data."""
