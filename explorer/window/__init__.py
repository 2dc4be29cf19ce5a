"""The main window and what it does for the user: actions and keys, files, questions
asked before anything is lost, and what the app remembers between sessions.

It may import the views and the core, never the other way round.
"""
