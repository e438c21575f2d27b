"""Hard-constraint solvers: PI-HC (``"hc"``) and PI-HC-MoE (``"hcmoe"``), Chalapathi, Du &
Krishnapriyan, ICLR 2024. See :mod:`.solver`, and docs/solvers/hc.md."""
from pinnkit.solvers.hc.config import HCConfig
from pinnkit.solvers.hc.solver import HC, HCMoE

__all__ = ["HC", "HCMoE", "HCConfig"]
