"""Every exception perfgen raises for a user is a PerfgenError, defined in errors.py."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import generator
from generator import errors
from generator.errors import InputError, PerfgenError, Problem, SettingsErrors, SpecErrors, VariantError


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
