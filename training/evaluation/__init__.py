"""Evaluation: clips (top-k, confusion), continuous streams (Levenshtein accuracy), event-
detector tuning, and the scores they share."""
