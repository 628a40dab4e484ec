"""The network analysed as a water network: connected parts and their sources, burst isolation
(the valves to close and what is cut off), upstream and downstream traces.

graph.py holds the pure graph algorithms (no Django); selectors.py reads the network, the water
users it serves and their demand, and answers the API's questions (docs/api.md).
"""
