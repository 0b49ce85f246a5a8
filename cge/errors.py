"""Errors a user can act on. Each message names the file, account, cell, key,
parameter or equation at fault and, where it can, what would fix it."""


class UserError(Exception):
    """Base class: the CLI prints the message and exits with code 2."""


class SAMError(UserError):
    """A SAM file or matrix is malformed, unbalanced or has cells the spec gives no meaning."""


class ConfigError(UserError):
    """A calibration or experiment file has an unknown key, unknown label or impossible value."""


class CalibrationError(UserError):
    """The SAM and the calibration files are inconsistent (e.g. wedge cells vs wedge rates)."""


class StructureError(UserError):
    """The equation system is not square or is structurally singular."""


class SolveError(UserError):
    """Ipopt did not converge; carries the status and the worst residuals."""

    def __init__(self, message: str, status: str = "", worst: list | None = None):
        self.status = status
        self.worst = list(worst or [])
        if self.worst:
            lines = [f"  {name}: {value:.3e}" for name, value in self.worst]
            message = message + "\nlargest residuals:\n" + "\n".join(lines)
        super().__init__(message)
