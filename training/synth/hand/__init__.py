"""The hand: its shape and pose, and its colour."""
