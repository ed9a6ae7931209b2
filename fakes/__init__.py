"""Stand-ins for outside systems, served over real HTTP, that the tests and the benchmarks talk to.

Not an app and not tests: no app imports it, and it imports no app of ours.
"""
