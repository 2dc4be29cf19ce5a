"""The app's core: its state, the training session and the worker thread. No widgets.

The state is a plain QObject with signals; the session is the GUI thread's handle on the
worker; the worker alone touches the model. Views may import the state and the result
types (explorer.core.results), never the worker.
"""
