"""The rules of the week: the physics of the market. No Mesa, no files, no CLI.

The customers' week (choice, fulfilment, books, adaptation, lifecycle) is compiled with numba:
small named functions of one relationship or one buyer, and loops over all of them that take
the week's arrays as named structures (``state.py``); costs, demand and tenders are numpy.
Randomness comes in as drawn numbers or a ``numpy.random.Generator`` passed by the caller,
never from a global.
"""
