"""The scene behind the hand: backgrounds, patterns, distractors, lighting, and their layout."""
