"""Exploring a trained latent space: decoding map positions and steering images along
directions. Qt-free state the views draw."""
