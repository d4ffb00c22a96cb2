"""Configs: frozen-dataclass defaults, a TOML file over them, command-line overrides on top.

A config class is a frozen dataclass whose fields are scalars (`bool`, `int`, `float`, `str`),
`Literal[...]` choices, tuples, `dict[str, float]` tables, `X | None`, or nested config dataclasses
(TOML tables, dotted keys on the command line). Defaults live only in the dataclasses; a TOML file
and `--set key=value` overrides may name only keys the dataclasses have, with values of the
declared type, so a typo is an error rather than a silently ignored setting.

Example:
    >>> cfg = load_config(GANConfig, "configs/gan/seed.toml", ["train.epochs=3"])
    >>> save_config(cfg, run_dir / "config.toml")  # the resolved config, loadable again

Value checks beyond the type (a positive batch size, a known layer name) belong in the dataclass's
`__post_init__`; a `ValueError` raised there is reported as a `ConfigError`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

from common.atomic import write_text
from common.errors import ConfigError, InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

T = TypeVar("T")


def load_config(
    cls: type[T],
    path: str | os.PathLike | None = None,
    overrides: Sequence[str] = (),
    values: Mapping[str, Any] | None = None,
) -> T:
    """Builds a config: `cls` defaults, then the TOML file, then `overrides`, then `values`.

    Args:
        cls: a frozen config dataclass whose every field has a default.
        path: an optional TOML file over the defaults.
        overrides: `"dotted.key=value"` strings as given to `--set`; the value is read as a TOML
            value (`3`, `2e-4`, `true`, `[1, 2]`, `"text"`), or as a plain string if it is not one.
        values: `{"dotted.key": value}` from typed command-line flags (`--epochs 3`); applied last.
            `None` values are skipped, so unset flags can be passed straight through.

    Returns:
        An instance of `cls`.

    Raises:
        ConfigError: the file is missing or not TOML, a key is unknown, or a value has the wrong
            type or fails the dataclass's own checks.
    """
    tree = _to_tree(cls())
    if path is not None:
        _apply(tree, cls, _read_toml(path), "", f"config file {path}", merge_dicts=False)
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set takes key=value (for example train.epochs=5), got {item!r}")
        _apply(tree, cls, _nest(key, _parse_value(raw.strip())), "", f"--set {item}", merge_dicts=True)
    for key, value in (values or {}).items():
        if value is not None:
            _apply(tree, cls, _nest(key, value), "", "the command line", merge_dicts=True)
    return _build(cls, tree, "")


def to_toml(config: Any) -> str:
    """Returns `config` (a config dataclass) as TOML text that `load_config` reads back."""
    return tomli_w.dumps(_plain(dataclasses.asdict(config)))


def save_config(config: Any, path: str | os.PathLike) -> Path:
    """Writes `config` as TOML to `path` atomically and returns the path."""
    return write_text(path, to_toml(config))


def config_differences(a: Any, b: Any) -> list[str]:
    """The dotted keys whose values differ between two configs of the same class, in field order.

    Used by `--resume` to name what repeated flags would change in a run's saved config.
    """
    left, right = _flatten(a), _flatten(b)
    return [key for key in left if left[key] != right.get(key)]


def _flatten(config: Any, prefix: str = "") -> dict:
    """`{"section.key": value}` of a config dataclass (nested config classes become dotted keys)."""
    out = {}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if dataclasses.is_dataclass(value):
            out.update(_flatten(value, f"{prefix}{field.name}."))
        else:
            out[f"{prefix}{field.name}"] = value
    return out


def config_keys(cls: type) -> list[str]:
    """Returns every dotted key `cls` accepts, for help texts and error messages."""
    keys = []
    for name, hint in _hints(cls).items():
        if _is_config_class(hint):
            keys += [f"{name}.{sub}" for sub in config_keys(hint)]
        else:
            keys.append(name)
    return keys


# --- reading -------------------------------------------------------------------------------------


def read_toml(path: str | os.PathLike) -> dict:
    """Reads a TOML file that a run wrote (`tomllib`, or `tomli` on Python 3.10); {} when absent.

    The suite's one TOML reader besides `load_config` (which checks the keys against a config class).

    Raises:
        InputError: the file is unreadable or not TOML.
    """
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from None


def _read_toml(path: str | os.PathLike) -> dict:
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ConfigError(f"config file {path} {what}; pass a TOML file such as configs/gan/default.toml")
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read config file {path}: {e}") from None


def _parse_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw  # a bare word such as `adam` or a path


def _nest(dotted: str, value: Any) -> dict:
    parts = dotted.split(".")
    if any(not p for p in parts):
        raise ConfigError(f"bad config key {dotted!r}: empty part between dots")
    tree: dict = {parts[-1]: value}
    for part in reversed(parts[:-1]):
        tree = {part: tree}
    return tree


def _apply(tree: dict, cls: type, data: Mapping, prefix: str, source: str, merge_dicts: bool) -> None:
    """Copies `data` into `tree`, checking every key against `cls`; types are checked later."""
    hints = _hints(cls)
    for key, value in data.items():
        full = prefix + str(key)
        if key not in hints:
            known = ", ".join(config_keys(cls)) if cls is not None else ""
            where = f" in section [{prefix[:-1]}]" if prefix else ""
            raise ConfigError(f"unknown config key {full!r} from {source}; known keys{where}: {known}")
        hint = hints[key]
        if _is_config_class(hint):
            if not isinstance(value, Mapping):
                raise ConfigError(
                    f"{full!r} is a section with keys {', '.join(config_keys(hint))}; {source} gave the value {value!r}"
                )
            _apply(tree[key], hint, value, full + ".", source, merge_dicts)
        elif merge_dicts and _origin(hint) is dict and isinstance(value, Mapping) and isinstance(tree[key], Mapping):
            tree[key] = {**tree[key], **value}
        else:
            tree[key] = value


# --- building and type checks --------------------------------------------------------------------


def _build(cls: type[T], tree: Mapping, prefix: str) -> T:
    kwargs = {}
    for name, hint in _hints(cls).items():
        full = prefix + name
        value = tree[name]
        if _is_config_class(hint):
            kwargs[name] = _build(hint, value, full + ".")
        else:
            kwargs[name] = _check(value, hint, full)
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as e:
        raise ConfigError(str(e)) from None


def _check(value: Any, hint: Any, key: str) -> Any:
    """Returns `value` converted to `hint` (int to float, list to tuple) or raises ConfigError."""
    origin, args = _origin(hint), typing.get_args(hint)
    if isinstance(value, float) and not math.isfinite(value):
        # TOML reads `nan` and `inf`; a NaN learning rate would only fail at the first batch.
        raise ConfigError(f"{key!r} must be a finite number, got {value!r}")
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _check(value, arg, key)
            except ConfigError as e:
                errors.append(e)
        raise ConfigError(f"{key!r} must be {_type_name(hint)}, got {value!r}")
    if origin is typing.Literal:
        if value in args:
            return value
        choices = " | ".join(repr(a) for a in args)
        raise ConfigError(f"{key!r} must be one of {choices}, got {value!r}")
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key!r} must be a list of {_type_name(args[0])}, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_check(v, args[0], f"{key}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise ConfigError(f"{key!r} must be a list of {len(args)} values, got {value!r}")
        return tuple(_check(v, a, f"{key}[{i}]") for i, (v, a) in enumerate(zip(value, args)))
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key!r} must be a table of {_type_name(args[1])}, got {value!r}")
        return {str(k): _check(v, args[1], f"{key}.{k}") for k, v in value.items()}
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint is str:
        if isinstance(value, str):
            return value
    else:  # pragma: no cover - a config class using an unsupported annotation is a bug
        raise TypeError(f"config field {key!r} has unsupported type {hint!r}")
    raise ConfigError(f"{key!r} must be {_type_name(hint)}, got {value!r}")


def _type_name(hint: Any) -> str:
    origin, args = _origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is tuple:
        return f"a list of {_type_name(args[0])}"
    if origin is dict:
        return f"a table of {_type_name(args[1])}"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}.get(hint, str(hint))


# --- helpers -------------------------------------------------------------------------------------


def _hints(cls: type) -> dict[str, Any]:
    names = [f.name for f in dataclasses.fields(cls)]
    hints = typing.get_type_hints(cls)
    return {n: hints[n] for n in names}


def _origin(hint: Any) -> Any:
    return typing.get_origin(hint)


def _is_config_class(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def _to_tree(config: Any) -> dict:
    return dataclasses.asdict(config)


def _plain(obj: Any) -> Any:
    """Turns tuples into lists and drops `None` (TOML has no null) for `tomli_w`."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj
