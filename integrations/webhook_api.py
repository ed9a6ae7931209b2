"""Team-scoped API routes for webhook deliveries, registered by devopsboard/api.py."""

routes: list = []
