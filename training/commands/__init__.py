"""The training-side commands of the `gesture` CLI, one module per role (data, train,
evaluate, export, bench). `training.cli` registers them; none imports torch at module level,
so a serving-only install can load the CLI."""
