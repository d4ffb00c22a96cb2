"""The project's exception types.

Every error a user can cause (a bad flag, a broken image, missing data or weights) is raised as a
`SuiteError` subclass whose message says what was received and what to do. The CLIs print it as a
single line on stderr and exit with `exit_code` (2, as argparse does for usage errors).
"""


class SuiteError(Exception):
    """Base class of every error the suite reports to a user as one line."""

    exit_code = 2


class ConfigError(SuiteError):
    """A config file, a `--set` override or a flag has an unknown key or a bad value."""


class InputError(SuiteError):
    """An input file (image, checkpoint, run directory) is missing, unreadable or invalid."""


class DataError(SuiteError):
    """A training or evaluation data set cannot be found or read."""


class WeightsError(SuiteError):
    """Pretrained network weights cannot be found or do not fit the network."""


class OutputError(SuiteError):
    """An output location cannot be written."""


class TrainingError(SuiteError):
    """Training or optimization cannot go on (for example a non-finite loss)."""

    exit_code = 1
