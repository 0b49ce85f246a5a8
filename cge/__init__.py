"""cge: an urban-rural computable general equilibrium model of China.

The flow (one module per arrow): SAM (:mod:`cge.sam`) + calibration files
(:mod:`cge.assumptions`) -> parameters (:mod:`cge.calibrate`) + closure
(:mod:`cge.closure`) -> Pyomo model (:mod:`cge.model`) -> solver bridge
(:mod:`cge.solver`) -> results (:mod:`cge.results`).
"""

__version__ = "0.1.0"

__all__ = ["Model", "__version__"]


def __getattr__(name: str):
    """``from cge import Model`` without importing Pyomo on ``import cge``."""
    if name == "Model":
        from .api import Model

        return Model
    raise AttributeError(f"module 'cge' has no attribute {name!r}")
