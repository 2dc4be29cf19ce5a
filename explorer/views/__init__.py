"""The app's views: the settings panel, the tabs, dialogs. Widgets only.

A view takes the state in __init__, writes user edits to it and redraws from it. Views
never import torch and never import the worker; what they draw arrives as plain values.
"""
