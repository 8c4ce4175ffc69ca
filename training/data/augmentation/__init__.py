"""Training augmentation: the geometric clip transform of the official loaders (`geometric`),
and the strong augmentation for transfer (`photometric` colour, `depth` sensor-like depth
damage, `label_flip` the labels a horizontal flip swaps, `strong` the per-sample wiring)."""
