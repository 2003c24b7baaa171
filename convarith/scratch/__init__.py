"""From-scratch numpy layers, written to be read and fast enough to use (issue 4).

Every layer takes PyTorch's arguments (``torch.nn.functional`` names and order) with numpy
arrays in and out, and gets its output size from the formula core. Each has a backward
pass returning the gradients with respect to its input, weights and bias.
"""
