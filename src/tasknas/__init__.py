"""tasknas: neural architecture search across tasks.

The public API: search spaces, tabular benchmarks (evaluators), strategies, the runner and its
stores. See the README for a tour.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
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

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "set_verbosity": "tasknas._logging",
        "TabularBenchmark": "tasknas.benchmarks",
        "get_benchmark": "tasknas.benchmarks",
        "DataFileError": "tasknas.errors",
        "InvalidArchitectureError": "tasknas.errors",
        "InvalidSettingError": "tasknas.errors",
        "MissingDependencyError": "tasknas.errors",
        "RunStoreError": "tasknas.errors",
        "TasknasError": "tasknas.errors",
        "UnknownNameError": "tasknas.errors",
        "Evaluator": "tasknas.evaluator",
        "Latency": "tasknas.evaluator",
        "Oracle": "tasknas.evaluator",
        "Executor": "tasknas.execution",
        "LocalExecutor": "tasknas.execution",
        "PoolExecutor": "tasknas.execution",
        "RayExecutor": "tasknas.execution",
        "make_executor": "tasknas.execution",
        "RunSettings": "tasknas.experiment",
        "run_experiment": "tasknas.experiment",
        "Runner": "tasknas.runner",
        "RunResult": "tasknas.runner",
        "TaskResult": "tasknas.runner",
        "NB201Space": "tasknas.spaces",
        "SearchSpace": "tasknas.spaces",
        "TransNASMicroSpace": "tasknas.spaces",
        "get_space": "tasknas.spaces",
        "InMemoryStore": "tasknas.storage",
        "RunStore": "tasknas.storage",
        "SQLiteStore": "tasknas.storage",
        "TrialRecord": "tasknas.storage",
        "RandomSearch": "tasknas.strategies",
        "RegularizedEvolution": "tasknas.strategies",
        "Strategy": "tasknas.strategies",
        "Direction": "tasknas.tasks",
        "Task": "tasknas.tasks",
        "Result": "tasknas.trial",
        "Status": "tasknas.trial",
        "Trial": "tasknas.trial",
    },
)
