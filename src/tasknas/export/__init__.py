"""Take a found network away: TorchScript, ONNX, or a state dict with a one-file model
definition, each with a small JSON card, loadable without tasknas (``tasknas export``)."""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.export._card import PIXELS, ExportCard
    from tasknas.export._formats import FORMATS, SUFFIXES, write_network
    from tasknas.export._run import ExportedFile, check_exported, export_folder, load_exported
    from tasknas.export._saved import NETWORK_FILE, NETWORK_JSON, load_trained, save_trained
    from tasknas.export._sources import TABULAR_SHAPES, Exportable, exportables, file_stem
    from tasknas.export._standalone import plain_graph, standalone_source

__all__ = [
    "FORMATS",
    "NETWORK_FILE",
    "NETWORK_JSON",
    "PIXELS",
    "SUFFIXES",
    "TABULAR_SHAPES",
    "ExportCard",
    "Exportable",
    "ExportedFile",
    "check_exported",
    "export_folder",
    "exportables",
    "file_stem",
    "load_exported",
    "load_trained",
    "plain_graph",
    "save_trained",
    "standalone_source",
    "write_network",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "PIXELS": "tasknas.export._card",
        "ExportCard": "tasknas.export._card",
        "FORMATS": "tasknas.export._formats",
        "SUFFIXES": "tasknas.export._formats",
        "write_network": "tasknas.export._formats",
        "ExportedFile": "tasknas.export._run",
        "export_folder": "tasknas.export._run",
        "check_exported": "tasknas.export._run",
        "load_exported": "tasknas.export._run",
        "NETWORK_FILE": "tasknas.export._saved",
        "NETWORK_JSON": "tasknas.export._saved",
        "load_trained": "tasknas.export._saved",
        "save_trained": "tasknas.export._saved",
        "TABULAR_SHAPES": "tasknas.export._sources",
        "Exportable": "tasknas.export._sources",
        "exportables": "tasknas.export._sources",
        "file_stem": "tasknas.export._sources",
        "plain_graph": "tasknas.export._standalone",
        "standalone_source": "tasknas.export._standalone",
    },
)
