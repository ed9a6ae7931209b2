"""Team-scoped API routes of this app, registered by devopsboard/api.py."""

routes: list = []
