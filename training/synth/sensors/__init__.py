"""What the sensors add: depth noise and holes, RGB effects."""
