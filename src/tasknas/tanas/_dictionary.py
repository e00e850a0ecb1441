"""``TaskDictionary``: the base tasks of TA-NAS, each with its ε-network and best cell, on disk.

Layout of a dictionary folder::

    index.json          format version, the settings, one entry per task (DictionaryEntry)
    <task folder>/epsnet.pt   the state_dict of the task's ε-network

The index is rewritten (atomically) after every task, so an interrupted ``build`` keeps the
tasks it finished and a second ``build`` continues where it stopped. One process at a time
may write to a dictionary; a build's tasks may run elsewhere (any ``Executor``), but the
folder is written by the process that builds only.
"""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from tasknas._progress import Progress, prefixed
from tasknas._seeds import derive, name_key
from tasknas._validation import check_seed
from tasknas.errors import DataFileError, InvalidSettingError, RunStoreError, UnknownNameError
from tasknas.execution import Executor, executor_for
from tasknas.nn import SmallCNN
from tasknas.oneshot import fuse_search
from tasknas.spaces import get_space
from tasknas.tanas._entry import DictionaryEntry, folder_name
from tasknas.tanas._epsnet import build_epsnet, load_task, train_epsnet
from tasknas.tanas._settings import DEFAULT_BASE_TASKS, TANASSettings
from tasknas.tasks import parse_task_spec

__all__ = [
    "DEFAULT_BASE_TASKS",
    "DICTIONARY_ENV",
    "INDEX_FILE",
    "TaskDictionary",
    "default_dictionary_dir",
    "task_seed",
]

_log = logging.getLogger(__name__)

#: Environment variable naming the default dictionary folder (else ``./dictionary``).
DICTIONARY_ENV = "TASKNAS_DICTIONARY_DIR"
INDEX_FILE = "index.json"
EPSNET_FILE = "epsnet.pt"
FORMAT = 1
#: Search space of the dictionary's best cells.
CELL_SPACE = "darts-tanas"


def default_dictionary_dir() -> Path:
    """``$TASKNAS_DICTIONARY_DIR``, else ``./dictionary``."""
    return Path(os.environ.get(DICTIONARY_ENV) or "dictionary")


class TaskDictionary:
    """The task dictionary stored in ``root`` (default: ``default_dictionary_dir()``).

    Making the object touches nothing on disk; ``build`` and ``add`` create the folder.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_dictionary_dir()
        self.index_path = self.root / INDEX_FILE

    def __repr__(self) -> str:
        return f"TaskDictionary({str(self.root)!r})"

    # -- reading -------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether the folder holds an index (possibly with no tasks)."""
        return self.index_path.is_file()

    def _read(self) -> dict[str, Any]:
        if not self.exists():
            raise RunStoreError(
                f"no task dictionary at {self.root} (no {INDEX_FILE}); "
                f"run `tasknas dictionary build --dir {self.root}` first"
            )
        try:
            data = json.loads(self.index_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise self._corrupt(f"not readable JSON ({error})") from None
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise self._corrupt("no 'entries' list")
        if data.get("format") != FORMAT:
            raise self._corrupt(f"format {data.get('format')!r}, expected {FORMAT}")
        return data

    def _corrupt(self, reason: str) -> DataFileError:
        return DataFileError(
            f"task dictionary index {self.index_path} is corrupt: {reason}; delete {self.root} "
            f"and run `tasknas dictionary build --dir {self.root}`"
        )

    def entries(self) -> list[DictionaryEntry]:
        """Every base task, in the order they were added.

        Raises:
            RunStoreError: the folder holds no dictionary.
            DataFileError: the index is corrupt.
        """
        where = str(self.index_path)
        try:
            return [DictionaryEntry.from_dict(e, where) for e in self._read()["entries"]]
        except TypeError as error:
            raise self._corrupt(f"a malformed entry ({error})") from None

    def require_entries(self) -> list[DictionaryEntry]:
        """``entries()``, raising ``RunStoreError`` when there are none."""
        entries = self.entries()
        if not entries:
            raise RunStoreError(
                f"the task dictionary at {self.root} holds no tasks; "
                f"run `tasknas dictionary build --dir {self.root}` first"
            )
        return entries

    def names(self) -> list[str]:
        """The base tasks' canonical names."""
        return [entry.name for entry in self.entries()]

    def settings(self) -> TANASSettings | None:
        """The settings the dictionary was built with; ``None`` without a dictionary."""
        if not self.exists():
            return None
        return TANASSettings.from_dict(self._read()["settings"])

    def _resolve(self, name: str) -> str:
        """The stored name meant by ``name`` (exact, else its canonical spec)."""
        names = self.names()
        if name in names:
            return name
        try:
            canonical = parse_task_spec(name).name
        except (UnknownNameError, DataFileError, InvalidSettingError):
            canonical = name
        if canonical not in names:
            raise UnknownNameError("dictionary task", name, names)
        return canonical

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not self.exists():
            return False
        try:
            self._resolve(name)
        except UnknownNameError:
            return False
        return True

    def entry(self, name: str) -> DictionaryEntry:
        """The entry of task ``name`` (``UnknownNameError`` lists the dictionary's tasks)."""
        resolved = self._resolve(name)
        return next(e for e in self.entries() if e.name == resolved)

    def _folder(self, entry: DictionaryEntry) -> Path:
        """The folder of ``entry``, checked to lie inside the dictionary folder.

        The index is data, not code: a folder such as ``"../x"``, an absolute path, the
        dictionary itself or a link out of it must never be read or deleted.

        Raises:
            DataFileError: the folder does not resolve to a folder inside ``root``.
        """
        root = self.root.resolve()
        if isinstance(entry.folder, str) and entry.folder:
            folder = (root / entry.folder).resolve()
            if folder != root and folder.is_relative_to(root):
                return folder
        raise DataFileError(
            f"task dictionary index {self.index_path}: task {entry.name!r} has folder "
            f"{entry.folder!r}, which is not inside the dictionary folder {root}; refusing "
            "to use it (fix or remove that entry of the index by hand)"
        )

    def load_epsnet(self, name: str) -> SmallCNN:
        """Task ``name``'s trained ε-network, on the CPU, in eval mode.

        Raises:
            DataFileError: the ε-network file is missing, or is not the state_dict of this
                task's ε-network (garbage, truncated, or a pickle that ``weights_only``
                loading refuses): one line naming the file and the command that rebuilds
                the task. Nothing is written.
        """
        entry = self.entry(name)
        path = self._folder(entry) / EPSNET_FILE
        if not path.is_file():
            raise DataFileError(
                f"ε-network file {path} of task {entry.name!r} is missing; {self._rebuild(entry)}"
            )
        settings = TANASSettings.from_dict(entry.settings)
        model = build_epsnet(entry.in_channels, entry.num_classes, entry.image_size, settings)
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # a data file: whatever is wrong, rebuilding fixes it
            raise self._unloadable(entry, path, _load_failure(error)) from None
        try:
            model.load_state_dict(state)
        except Exception:  # not a mapping, other keys or other shapes
            raise self._unloadable(
                entry, path, "it does not hold the weights of this task's ε-network"
            ) from None
        return model.eval()

    def _rebuild(self, entry: DictionaryEntry) -> str:
        """How to rebuild ``entry``'s task: the command, with its stored seed."""
        seed = f" --seed {entry.seed}" if entry.seed else ""
        command = f"tasknas dictionary add {entry.name} --dir {self.root}{seed} --rebuild"
        return f"rebuild the task: `{command}`"

    def _unloadable(self, entry: DictionaryEntry, path: Path, reason: str) -> DataFileError:
        return DataFileError(
            f"cannot load ε-network file {path} of task {entry.name!r}: {reason}; "
            f"{self._rebuild(entry)}"
        )

    # -- writing -------------------------------------------------------------------------

    def _write(self, settings: TANASSettings, entries: Iterable[DictionaryEntry]) -> None:
        data = {
            "format": FORMAT,
            "settings": settings.to_dict(),
            "entries": [entry.to_dict() for entry in entries],
        }
        temporary = self.index_path.with_suffix(".json.tmp")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            os.replace(temporary, self.index_path)
        except OSError as error:
            raise DataFileError(
                f"cannot write the task dictionary index {self.index_path}: {error}"
            ) from None

    def resolve_settings(self, settings: TANASSettings | None = None) -> TANASSettings:
        """``settings`` (default: the stored ones, else the defaults), checked against the
        stored ε-network settings (``TANASSettings.epsnet``).

        Raises:
            InvalidSettingError: ``settings`` would build ε-networks unlike the stored ones.
        """
        stored = self.settings()
        if settings is None:
            return stored if stored is not None else TANASSettings()
        if stored is not None and stored.epsnet() != settings.epsnet():
            changed = sorted(k for k, v in settings.epsnet().items() if stored.epsnet()[k] != v)
            raise InvalidSettingError(
                f"settings {changed} differ from those the dictionary at {self.root} was built "
                "with; its ε-networks would not be comparable: use another folder"
            )
        return settings

    def build(
        self,
        specs: Sequence[str] = DEFAULT_BASE_TASKS,
        *,
        settings: TANASSettings | None = None,
        seed: int = 0,
        rebuild: bool = False,
        progress: Progress | None = None,
        workers: int = 1,
        executor: Executor | None = None,
    ) -> list[DictionaryEntry]:
        """Add every task of ``specs`` not yet present (all of them with ``rebuild``).

        Each task gets its ε-network trained and its best cell searched by FUSE
        (``settings.dictionary_fuse``) on the full ``darts-tanas`` space, seeded with
        ``task_seed(seed, name)`` so that tasks do not all start from the same candidates.
        The specs are all parsed before any work starts.

        Each task is one job of ``executor`` (``Executor.map_unordered``; default: chosen by
        ``workers``, tasks built in that many processes when above 1). The entries do not
        depend on where the tasks were built, as long as torch has the same CPU threads
        there (the executor's ``threads``, by default this process's count: with several
        workers on few cores, lower it for the whole build). The index and the ε-network files
        are written here, as each task finishes, and end in the order of a one-process build.
        Progress reports each task's steps when the executor runs in this process, else whole
        tasks. Returns every entry of the dictionary.

        Raises:
            InvalidSettingError: ``workers`` below 1, or other than 1 beside ``executor``.
        """
        check_seed(seed)
        names = list(dict.fromkeys(parse_task_spec(spec).name for spec in specs))
        settings = self.resolve_settings(settings)
        present = set(self.names()) if self.exists() else set()
        todo = [name for name in names if rebuild or name not in present]
        with executor_for(executor, workers, len(todo)) as runner:
            if not self.exists():
                self._write(settings, [])
            self._build_all(runner, todo, settings, seed, progress)
        return self.entries()

    def _build_all(
        self,
        executor: Executor,
        todo: list[str],
        settings: TANASSettings,
        seed: int,
        progress: Progress | None,
    ) -> None:
        """Build ``todo`` through ``executor``, recording each task as it finishes, then put
        the entries in the order a one-process build leaves."""
        before = self.names()
        detailed = executor.in_process  # a progress callback only where it is called
        jobs = [
            _BuildJob(
                name,
                settings,
                seed,
                prefixed(progress, f"[{number}/{len(todo)}] ") if detailed else None,
            )
            for number, name in enumerate(todo, 1)
        ]
        if todo and progress is not None and not detailed:
            progress(f"building {len(todo)} tasks", 0, len(todo))
        for done, (_, (entry, epsnet)) in enumerate(executor.map_unordered(_build_entry, jobs), 1):
            self._save_epsnet(entry, epsnet)
            self._record(settings, entry)
            if progress is not None and not detailed:
                progress(f"{entry.name} done", done, len(todo))
        # The order a one-process build leaves: rebuilt tasks in place, new ones in todo order.
        order = {name: i for i, name in enumerate([*before, *(n for n in todo if n not in before)])}
        entries = self.entries()
        ordered = sorted(entries, key=lambda e: order[e.name])
        if ordered != entries:
            self._write(settings, ordered)

    def add(
        self,
        spec: str,
        *,
        settings: TANASSettings | None = None,
        seed: int = 0,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> DictionaryEntry:
        """Add one task (see ``build``); an existing task is kept unless ``rebuild``."""
        name = parse_task_spec(spec).name
        self.build([name], settings=settings, seed=seed, rebuild=rebuild, progress=progress)
        return self.entry(name)

    def _save_epsnet(self, entry: DictionaryEntry, epsnet: bytes) -> None:
        """Write ``entry``'s ε-network file (``epsnet``: its saved state_dict)."""
        path = self._folder(entry) / EPSNET_FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(epsnet)
        except OSError as error:
            raise DataFileError(f"cannot write ε-network file {path}: {error}") from None

    def _record(self, settings: TANASSettings, entry: DictionaryEntry) -> None:
        """Write ``entry`` to the index, in place of an older entry of the same task."""
        entries = self.entries()
        names = [e.name for e in entries]
        if entry.name in names:
            entries[names.index(entry.name)] = entry
        else:
            entries.append(entry)
        self._write(settings, entries)
        _log.info(
            "dictionary task %s: cell %s (%.1f s)", entry.name, entry.best_cell, entry.seconds
        )

    def remove(self, name: str) -> DictionaryEntry:
        """Remove task ``name`` and its folder; returns its entry.

        Raises:
            DataFileError: the entry's folder lies outside the dictionary (nothing is removed).
        """
        entry = self.entry(name)
        folder = self._folder(entry)
        settings = self.settings() or TANASSettings()
        self._write(settings, [e for e in self.entries() if e.name != entry.name])
        if folder.exists():
            shutil.rmtree(folder)
        return entry


@dataclass(frozen=True)
class _BuildJob:
    """One task of a build: picklable for any executor, except ``progress`` (given only to
    an executor that runs in the building process)."""

    name: str
    settings: TANASSettings
    seed: int
    progress: Progress | None = None


def _build_entry(job: _BuildJob) -> tuple[DictionaryEntry, bytes]:
    """Train task ``job.name``'s ε-network and search its best cell (in whatever process the
    executor chose); returns the entry and the ε-network's saved state_dict, which the
    building process writes."""
    _log.info("building dictionary task %s", job.name)
    start = time.perf_counter()
    settings = job.settings
    task = load_task(job.name, settings)
    model, accuracy = train_epsnet(task, settings, job.progress)
    space = get_space(CELL_SPACE)
    found = fuse_search(
        space,
        task,
        settings=settings.dictionary_fuse,
        seed=task_seed(job.seed, job.name),
        progress=prefixed(job.progress, f"{job.name}: "),
    )
    epsnet = io.BytesIO()
    torch.save(model.state_dict(), epsnet)
    entry = DictionaryEntry(
        name=job.name,
        folder=folder_name(job.name),
        num_classes=task.num_classes,
        in_channels=task.in_channels,
        image_size=task.image_size[0],
        epsnet_accuracy=accuracy,
        best_cell=found.arch,
        best_cell_test_error=found.test_error,
        best_cell_params=found.params,
        space=space.name,
        seed=job.seed,
        seconds=time.perf_counter() - start,
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        settings=settings.to_dict(),
    )
    return entry, epsnet.getvalue()


def _load_failure(error: Exception) -> str:
    """Why ``torch.load`` could not read an ε-network file, in a few words on one line."""
    if isinstance(error, EOFError):
        return "the file is empty or truncated"
    if isinstance(error, pickle.UnpicklingError):
        if "Unsupported global" in str(error):
            return "it holds objects other than tensors, which weights_only=True loading refuses"
        return "truncated, or not a torch file (it does not unpickle)"
    first = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    reason = f"truncated, or not a torch file ({type(error).__name__}: {first}"[:160]
    return reason + ")"


def task_seed(seed: int, name: str) -> int:
    """The FUSE seed of task ``name`` in a build with ``seed``: distinct per task, stable."""
    return derive(seed, *name_key(name, words=2))
