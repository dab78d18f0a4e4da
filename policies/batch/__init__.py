"""The vectorised path: the rules of `policies/reference.py` for every site at once.

`step.step_batch` is the entry; `work` holds one step's arrays, `load` the bandwidth-share
and hysteresis phases, `reasons` why an app moves, `encoded` the reason arrays it writes.
The modules import one another without cycles (an import-linter contract keeps it so).
"""
