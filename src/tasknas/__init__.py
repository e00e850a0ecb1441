"""tasknas: neural architecture search across tasks.

The public API: search spaces, tabular benchmarks (evaluators), strategies, the runner and its
stores. See the README for a tour.
"""

from tasknas._logging import set_verbosity
from tasknas.benchmarks import TabularBenchmark, get_benchmark
from tasknas.errors import (
    DataFileError,
    InvalidArchitectureError,
    InvalidSettingError,
    MissingDependencyError,
    RunStoreError,
    TasknasError,
    UnknownNameError,
)
from tasknas.evaluator import Evaluator, Latency, Oracle
from tasknas.execution import Executor, LocalExecutor, PoolExecutor, RayExecutor, make_executor
from tasknas.experiment import RunSettings, run_experiment
from tasknas.runner import Runner, RunResult, TaskResult
from tasknas.spaces import NB201Space, SearchSpace, TransNASMicroSpace, get_space
from tasknas.storage import InMemoryStore, RunStore, SQLiteStore, TrialRecord
from tasknas.strategies import RandomSearch, RegularizedEvolution, Strategy
from tasknas.tasks import Direction, Task
from tasknas.trial import Result, Status, Trial

__version__ = "0.1.0"

__all__ = [
    "DataFileError",
    "Direction",
    "Evaluator",
    "Executor",
    "InMemoryStore",
    "InvalidArchitectureError",
    "InvalidSettingError",
    "Latency",
    "LocalExecutor",
    "MissingDependencyError",
    "NB201Space",
    "Oracle",
    "PoolExecutor",
    "RandomSearch",
    "RayExecutor",
    "RegularizedEvolution",
    "Result",
    "RunResult",
    "RunSettings",
    "RunStore",
    "RunStoreError",
    "Runner",
    "SQLiteStore",
    "SearchSpace",
    "Status",
    "Strategy",
    "TabularBenchmark",
    "Task",
    "TaskResult",
    "TasknasError",
    "TransNASMicroSpace",
    "Trial",
    "TrialRecord",
    "UnknownNameError",
    "__version__",
    "get_benchmark",
    "get_space",
    "make_executor",
    "run_experiment",
    "set_verbosity",
]
