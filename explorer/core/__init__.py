"""The app's core: the state of the app and its run, the training session and the worker.
No widgets.

`app_model` applies the user's requests, in order, to the form (`form`, the settings
edited), the live run (`run_model`, the one owner of the run and its `status` machine) and
Compare (`compare`); `questions` holds a request that would lose work until it is
answered. `session` wires the run model to the worker thread (`worker`), which alone
touches the model. Views may import the models and the values they draw
(explorer.core.results), never the worker or the session.
"""
