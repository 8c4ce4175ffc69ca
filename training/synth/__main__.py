"""`python -m training.synth`: see cli.py."""

from .cli import main

main()
