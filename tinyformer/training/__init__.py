"""The training layer: experiments, the trainer, its events and history, run files.

It may import the model, tasks and inspect layers (evaluation, attention snapshots), and
nothing above: no CLI, no presets, no GUI.
"""
