"""Development tools for jules-action, kept out of the action's image.

- ``simulator``: a real HTTP server for the Jules REST API v1alpha, with scenarios and faults;
- ``standin``: a stateful local stand-in for the GitHub issue thread;
- ``demo``: ``python -m jules_action_dev demo``, the whole flow on this machine.

Nothing in ``jules_action`` imports this package; the Docker build context excludes it.
"""
