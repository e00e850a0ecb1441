"""Property-based fuzzing of the text parsers (hypothesis): architecture strings (NB201,
TransNAS micro, DARTS genotypes) and image task specs (shipped sets, a user ``.npz``).

For any text, and for valid strings with characters dropped, duplicated or replaced, a
parser either returns a value whose ``str()`` parses back to the same value, or raises a
``TasknasError`` (never a ``ValueError``, ``IndexError``, ``KeyError``, ``RecursionError``,
...). A text over ``MAX_TEXT`` characters is refused before it is read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasknas._validation import MAX_TEXT
from tasknas.errors import InvalidArchitectureError, InvalidSettingError, TasknasError
from tasknas.spaces import get_space

FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SPACES = ["nb201", "transnas-micro", "darts-tanas", "darts-emtnas"]

#: Characters the grammars use, so that mutations stay near valid strings.
GRAMMAR = "|+~_-;=,:@.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ /\\\x00\n"
#: Task specs that parse, of every shape the grammar has.
SHIPPED_SPECS = [
    "mnist",
    "mnist:0",
    "mnist:3+7",
    "fashion_mnist:Trouser",
    "fashion_mnist:T-shirt/top",
    "quickdraw4:cat",
    "omniglot@alphabet",
    "omniglot@character:3",
    "breastmnist:1",
]


def _round_trips(parse: Callable[[str], Any], text: str) -> None:
    """``parse(text)`` is a value that ``str()`` writes back in a form ``parse`` reads to
    the same value, or a ``TasknasError``; nothing else."""
    try:
        value = parse(text)
    except TasknasError:
        return
    again = parse(str(value))
    assert again == value and str(again) == str(value), (text, str(value))


@st.composite
def _mutations(draw: st.DrawFn, valid: list[str]) -> str:
    """A valid string with a few characters dropped, duplicated or replaced."""
    text = draw(st.sampled_from(valid))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        edit = draw(st.sampled_from(["drop", "duplicate", "replace", "insert"]))
        char = draw(st.sampled_from(GRAMMAR) | st.characters())
        if edit == "drop":
            text = text[:at] + text[at + 1 :]
        elif edit == "duplicate":
            text = text[:at] + text[at] + text[at:]
        elif edit == "replace":
            text = text[:at] + char + text[at + 1 :]
        else:
            text = text[:at] + char + text[at:]
    return text


def _valid_archs(name: str) -> list[str]:
    space = get_space(name)
    rng = np.random.default_rng(0)
    return [str(space.sample(rng)) for _ in range(20)]


# -- architecture strings ---------------------------------------------------------------------


@pytest.mark.parametrize("name", SPACES)
def test_valid_architecture_strings_round_trip(name: str) -> None:
    space = get_space(name)
    for text in _valid_archs(name):
        assert str(space.parse(f"  {text}\n")) == text


@pytest.mark.parametrize("name", SPACES)
@FUZZ
@given(text=st.text(alphabet=st.sampled_from(GRAMMAR) | st.characters(), max_size=300))
def test_any_text_parses_or_raises_a_tasknas_error(name: str, text: str) -> None:
    _round_trips(get_space(name).parse, text)


@pytest.mark.parametrize("name", SPACES)
@FUZZ
@given(data=st.data())
def test_mutated_architecture_strings_parse_or_raise(name: str, data: st.DataObject) -> None:
    text = data.draw(_mutations(_valid_archs(name)))
    _round_trips(get_space(name).parse, text)


@pytest.mark.parametrize("name", SPACES)
def test_a_megabyte_architecture_string_is_refused_at_once(name: str) -> None:
    text = _valid_archs(name)[0] * (1_000_000 // len(_valid_archs(name)[0]))
    with pytest.raises(InvalidArchitectureError) as error:
        get_space(name).parse(text)
    message = str(error.value)
    assert "\n" not in message and len(message) < 200
    assert f"{len(text):,} characters" in message and f"{MAX_TEXT:,}" in message


# -- image task specs -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def user_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user ``.npz`` with a ``:`` and a ``+`` in its class names and in its folder."""
    folder = tmp_path_factory.mktemp("user:data")
    path = folder / "shapes+1.npz"
    rng = np.random.default_rng(0)
    classes = np.array(["circle", "a+b", "x:y", " pad ", "Circle"])
    np.savez(
        path,
        x_train=rng.integers(0, 255, (60, 8, 8), dtype=np.uint8),
        y_train=np.arange(60) % len(classes),
        classes=classes,
    )
    return path


def _specs(user_npz: Path) -> list[str]:
    user = str(user_npz)
    return [*SHIPPED_SPECS, user, f"{user}:circle", f"{user}:a+b", f"{user}:3", f"{user}:0+2"]


def test_valid_task_specs_round_trip(user_npz: Path) -> None:
    from tasknas.tasks import parse_task_spec

    for text in _specs(user_npz):
        _round_trips(parse_task_spec, text)
        assert parse_task_spec(str(parse_task_spec(text))).name == parse_task_spec(text).name


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(GRAMMAR) | st.characters(), max_size=300))
def test_any_task_spec_parses_or_raises_a_tasknas_error(text: str) -> None:
    from tasknas.tasks import parse_task_spec

    _round_trips(parse_task_spec, text)


@FUZZ
@given(data=st.data())
def test_mutated_task_specs_parse_or_raise(user_npz: Path, data: st.DataObject) -> None:
    from tasknas.tasks import parse_task_spec

    _round_trips(parse_task_spec, data.draw(_mutations(_specs(user_npz))))


@FUZZ
@given(text=st.sampled_from(SHIPPED_SPECS), prefix=st.sampled_from(["~", "~nobody_here/", "/"]))
def test_path_like_task_specs_parse_or_raise(text: str, prefix: str) -> None:
    from tasknas.tasks import parse_task_spec

    _round_trips(parse_task_spec, prefix + text)
    _round_trips(parse_task_spec, prefix + "x" * 300 + ".npz:" + text)


def test_a_megabyte_task_spec_is_refused_at_once() -> None:
    from tasknas.tasks import parse_task_spec

    text = "mnist:" + "0+" * 500_000
    with pytest.raises(InvalidSettingError) as error:
        parse_task_spec(text)
    message = str(error.value)
    assert "\n" not in message and len(message) < 200
    assert f"{len(text):,} characters" in message and f"{MAX_TEXT:,}" in message
