"""`bridge demo`: the whole product on a throw-away workspace against the built-in simulator.

``command`` is the click command, ``run`` sets up the workspace and the simulator, ``steps``
runs the real `bridge` commands one by one.
"""
