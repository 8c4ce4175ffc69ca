# Placeholder: the multi-stage CPU / GPU / training images are issue 6 and not written yet.
# Nothing here builds the service; use `make serve` (README) until then.
