"""The rules of the week as pure numpy functions: the physics of the
market. No Mesa, no files, no CLI.

Every function takes arrays and returns arrays; randomness comes in as drawn numbers or a
``numpy.random.Generator`` passed by the caller, never from a global.
"""
