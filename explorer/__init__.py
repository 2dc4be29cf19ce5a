"""tinyformer-explorer: the desktop lab around tinyformer.

`explorer.core` holds the state, the training session and the worker; `explorer.views`
the widgets; the window and the app's assembly sit here at the top.
"""
