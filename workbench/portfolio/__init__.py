"""The portfolio MILP: its formulation, solving it, reading and checking the answer, explaining
an infeasible run, and re-optimising one model many times."""
from .formulation import DENSE_PARTNERS, Formulation, build_model
from .optimise import optimise
from ..options import SYNERGY_FORMULATIONS

__all__ = ["DENSE_PARTNERS", "Formulation", "SYNERGY_FORMULATIONS", "build_model", "optimise"]
