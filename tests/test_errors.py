"""Every exception perfgen raises for a user is a PerfgenError, defined in errors.py."""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import operator
import pickle
import pkgutil
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import generator
from generator import errors
from generator.errors import InputError, PerfgenError, Problem, Problems, SettingsErrors, SpecErrors, VariantError


def test_every_exception_class_is_in_the_one_hierarchy():
    found = set()
    for info in pkgutil.walk_packages(generator.__path__, "generator."):
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__.startswith("generator"):
                found.add(value)
    assert found and all(issubclass(kind, PerfgenError) for kind in found), found
    assert {kind.__module__ for kind in found} == {errors.__name__}


def test_settings_errors_are_spec_errors_and_variant_errors():
    problem = Problem("settings.yaml", 3, "date", "未知的键「date」")
    exc = SettingsErrors([problem])
    assert isinstance(exc, SpecErrors) and isinstance(exc, VariantError) and exc.problems == [problem]


def test_input_errors_may_be_raised_inside_validators():
    assert issubclass(InputError, ValueError)  # pydantic turns a ValueError into a located problem


# Problem, Templates, FolderTask … are plain classes (errors.Record), not dataclasses: they must behave
# as the dataclass they were did, compared here with one made in the test
@dataclasses.dataclass(frozen=True, order=True)
class _Dataclass:
    file: str
    line: int | None
    field: str
    message: str
    warning: bool = False


_problems = st.builds(lambda *a: a, st.sampled_from(["a.yaml", "b.yaml", ""]), st.none() | st.integers(1, 3),
                      st.sampled_from(["", "x", "x.y"]), st.sampled_from(["m", "n"]), st.booleans())


@given(_problems, _problems)
def test_problem_behaves_as_the_dataclass_it_was(a, b):
    pa, pb, da, db = Problem(*a), Problem(*b), _Dataclass(*a), _Dataclass(*b)
    assert (pa == pb) == (da == db) and (pa != pb) == (da != db)
    assert repr(pa) == repr(da).replace("_Dataclass", "Problem")
    assert hash(pa) == hash(Problem(*a)) and {pa, Problem(*a)} == {pa}
    for op in ("__lt__", "__le__", "__gt__", "__ge__"):
        try:
            expected = getattr(operator, op[2:4])(da, db)
        except TypeError:  # None against a line number: neither orders them
            with pytest.raises(TypeError):
                getattr(operator, op[2:4])(pa, pb)
        else:
            assert getattr(operator, op[2:4])(pa, pb) == expected
    assert pickle.loads(pickle.dumps(pa)) == pa
    with pytest.raises(AttributeError):
        pa.file = "c"  # type: ignore[misc]
    assert pa != a and Problem(*a) in [pb, pa]


def test_records_pickle_compare_and_replace():
    from generator.folder_build import FolderDone, FolderTask
    from generator.layout import Templates

    task = FolderTask(Path("s"), Path("o"), Templates(None, Path("s")), ("p",), pdf=True)
    assert pickle.loads(pickle.dumps(task)) == task and hash(task) == hash(pickle.loads(pickle.dumps(task)))
    assert task.replace(check_only=True) == FolderTask(Path("s"), Path("o"), Templates(near=Path("s")), ("p",),
                                                       pdf=True, check_only=True)
    assert task.replace(check_only=True) != task and task.check_only is False
    assert repr(Templates()) == "Templates(explicit=None, near=None)"
    done = FolderDone(["a"], warnings=[Problem("f", 1, "", "m", True)])
    assert pickle.loads(pickle.dumps(done)) == done and done.built == [] and FolderDone().names is not FolderDone().names
    problems = Problems()
    problems.add("f", 1, "", "m")
    problems.add("f", 1, "", "m")
    assert problems == Problems([Problem("f", 1, "", "m")]) and pickle.loads(pickle.dumps(problems)) == problems
