"""typer's and click's own words in Chinese: help panels, usage lines, usage errors, completion.

typer renders help with rich from module-level strings (typer.rich_utils), and builds usage lines
and usage errors with text written into its vendored click (no gettext catalog to translate). So
the strings are set here, and a command class writes the usage line and re-words each usage error
from its parts (which parameter, which value, which close matches), never from the English text.
typer is pinned (pyproject.toml, constraints.txt) because these are its internals; the CLI tests
fail on any English word left in any command's help or in a usage error.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import typer
from typer import _click
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_path
from typer.exceptions import Abort
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

# typer.rich_utils (and rich.markdown with it) loads only to print help or an error: its strings are
# set then (`localized`), so that a command that prints neither does not pay for it
RICH_STRINGS = {
    "DEPRECATED_STRING": "（已弃用）",
    "DEFAULT_STRING": "（默认：{}）",
    "ENVVAR_STRING": "（环境变量：{}）",
    "REQUIRED_LONG_STRING": "［必填］",
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "运行 [blue]{command_path} {help_option}[/] 查看用法。",
}


def localized():
    """typer.rich_utils with its strings in Chinese (before typer prints help, an error or 已中止)."""
    from typer import rich_utils

    for name, text in RICH_STRINGS.items():
        setattr(rich_utils, name, text)
    return rich_utils


USAGE = "用法："
OPTIONS = "[选项]"
SUBCOMMAND = "命令 [参数]..."
HELP = "显示本帮助并退出"
HELP_NAMES = ["-h", "--help"]
# what a value of each type is called in the help (typer writes <path>, <int>, …); a flag takes none
TYPES = {"<path>": "<路径>", "<int>": "<整数>", "<str>": "<文字>", "<float>": "<数>", "<bool>": "",
         "<list[path]>": "<路径>", "<list[str]>": "<文字>"}
COMPLETION = {
    "--install-completion": "为当前终端安装命令补全（bash、zsh、fish、PowerShell）：按 Tab 补全命令和选项",
    "--show-completion": "显示当前终端的补全脚本（可复制或自行安装）",
}


def _parameters(params: list[Any], ctx: _click.Context) -> list[Any]:
    """Every parameter said one way: its value's type in Chinese, its default as （默认：…）."""
    for param in params:
        if getattr(param, "_chinese", False):
            continue
        param._chinese = True
        _plain(param)
        if param.name in ("install_completion", "show_completion"):
            name = next(o for o in param.opts if o.startswith("--"))
            param.help = COMPLETION.get(name, param.help)
            if param.name == "install_completion":
                param.callback = _install_completion
            param.metavar = ""
            continue
        if isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = "" if param.is_flag else _type_name(param.display_type(ctx))
        if isinstance(param, TyperArgument):  # its type column ignores metavar
            param.display_type_rich = lambda ctx, shown=_type_name(param.display_type(ctx)): shown
        if isinstance(param, (TyperOption, TyperArgument)):
            param.show_default = False  # written as RICH_STRINGS' DEFAULT_STRING below instead, once
            default = param.default
            if default not in (None, False, True, "", (), []) and not callable(default) \
                    and "默认" not in (param.help or ""):
                param.help = (param.help or "") + RICH_STRINGS["DEFAULT_STRING"].format(default)
    return params


_INT = r"-?[0-9]{1,18}"


class _Plain(RuntimeParam):
    """A path, a text, a whole number or a flag from the command line, taken as typer takes it but without
    its pydantic TypeAdapter: importing pydantic and building the adapters is a third of a build
    that finds nothing to do. Any other value (a wrong one: its message) goes to typer's own."""

    # (not a dataclass of its own: making one compiles its methods at import, on every command's path)
    def __init__(self, parameter_info: Any, annotation: Any, descriptor: TypeDescriptor):
        super().__init__(parameter_info, annotation)
        object.__setattr__(self, "descriptor", descriptor)  # RuntimeParam is frozen

    def _coerce_value(self, value: Any, param: Any, ctx: _click.Context) -> Any:
        kind = self.annotation
        if kind is Path and isinstance(value, (str, Path)):  # pydantic's Path of a text is Path(text)
            return coerce_cli_path(Path(value), self.parameter_info, path_type=Path, param=param, ctx=ctx)
        if kind in (str, bool) and type(value) is kind:
            return value
        if kind is int and (type(value) is int or type(value) is str and re.fullmatch(_INT, value)):
            return int(value)
        return build_runtime_param(self.descriptor)._coerce_value(value, param=param, ctx=ctx)


def _plain(param: Any) -> None:
    """Give a parameter of a plain type (Path, str, int, bool; no parser, range, choice or list) _Plain."""
    descriptor = getattr(param, "type_descriptor", None)
    info = getattr(descriptor, "parameter_info", None)
    if (descriptor is None or getattr(param, "_runtime_param", True) is not None
            or descriptor.annotation not in (Path, str, int, bool) or descriptor.is_file or descriptor.is_choice
            or descriptor.is_ranged or info.parser is not None or (descriptor.annotation is Path
                                                                   and info.path_type not in (None, Path))):
        return
    param._runtime_param = _Plain(info, descriptor.annotation, descriptor)


def _type_name(shown: str) -> str:
    """A value's type as the help says it; a choice lists the words to type, as they are."""
    return TYPES.get(shown) or (shown if "|" in shown else "<值>")


def _install_completion(ctx: _click.Context, param: _click.Parameter, value: Any) -> Any:
    if not value or ctx.resilient_parsing:
        return value
    from typer._completion_shared import install

    shell, path = install(shell=value) if isinstance(value, str) else install()
    typer.echo(f"已为 {shell} 安装命令补全（{path}）；重新打开终端后生效。")
    raise typer.Exit()


def _hint(param: Any, hint: Any = None) -> str:
    if hint:
        return "选项 " + (hint if isinstance(hint, str) else " / ".join(hint))
    if param is None:
        return "参数"
    if isinstance(param, TyperArgument):
        return f"参数 {param.display_name_raw}"
    names = [o for o in getattr(param, "opts", []) if o]
    return "选项 " + " / ".join(names) if names else "参数"


# patterns as texts, compiled (and cached by re) when an error is said, not when every command starts
_CJK = r"[\u4e00-\u9fff]"
_PATTERNS = [  # the usage errors click raises with only a text; each part of it is kept
    (r"Got unexpected extra argument(?:\(s\)|s)? \((?P<x>.*)\)", "多余的参数：{x}（路径含空格时请加引号）"),
    (r"Option '(?P<x>[^']+)' requires an argument\.", "选项 {x} 后面要写一个值"),
    (r"Option '(?P<x>[^']+)' requires (?P<n>\d+) arguments\.", "选项 {x} 后面要写 {n} 个值"),
    (r"Option '(?P<x>[^']+)' does not take a value\.", "选项 {x} 是开关，不带值：只写 {x}"),
    (r"Argument '(?P<x>[^']+)' takes (?P<n>\d+) values\.", "参数 {x} 要写 {n} 个值"),
    (r"Missing command\.", "缺少命令"),
    (r"No such option: (?P<x>\S+)", "没有选项 {x}"),
]


def chinese(error: _click.ClickException) -> str:
    """The message of a usage error, in Chinese, from its parts."""
    param = getattr(error, "param", None)
    if isinstance(error, _click.exceptions.MissingParameter):
        return f"缺少{_hint(param, error.param_hint)}"
    if isinstance(error, _click.exceptions.NoSuchOption):
        said = f"没有选项 {error.option_name}"
        return said + (f"，是否想写 {'、'.join(sorted(error.possibilities))}？" if error.possibilities else "")
    if isinstance(error, _click.exceptions.BadParameter):
        message = error.message
        if not re.search(_CJK, message):  # typer's own words (a pydantic message): said from the value
            cause = getattr(error.__cause__, "errors", None)
            value = cause()[0].get("input") if cause and cause() else None
            kind = TYPES.get(param.display_type(None) if param is not None else "", "").strip("<>")
            message = (f"「{value}」" if value is not None else "这个值") + (f"不是{kind}" if kind else "无效")
        return f"{_hint(param, error.param_hint)}：{message}"
    message = error.message
    for pattern, text in _PATTERNS:
        match = re.fullmatch(pattern, message)
        if match:
            return text.format(**match.groupdict())
    return message if re.search(_CJK, message) else f"用法有误：{message}"


def _reword(error: _click.ClickException) -> None:
    if getattr(error, "_chinese", False):
        return
    text = chinese(error)
    error._chinese = True
    error.format_message = lambda: text  # rich_utils.rich_format_error prints format_message()


class _Chinese:
    """What a command and the group share: the usage line, the help option, the parameters."""

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        localized()
        return super().format_help(ctx, formatter)

    def format_usage(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=USAGE)

    def get_help_option(self, ctx: _click.Context):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help, option.metavar = HELP, ""
        return option

    def get_params(self, ctx: _click.Context) -> list[Any]:
        return _parameters(super().get_params(ctx), ctx)

    def make_context(self, info_name: str | None, args: list[str], parent: _click.Context | None = None,
                     **extra: Any) -> _click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _click.ClickException as error:
            localized()
            _reword(error)
            if isinstance(error, _click.exceptions.UsageError) and error.ctx is None:  # the parser's: usage and hint too
                error.ctx = self.context_class(self, info_name=info_name, parent=parent)
            raise


class Command(_Chinese, TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["options_metavar"] = OPTIONS
        super().__init__(*args, **kwargs)


class Group(_Chinese, TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["options_metavar"] = OPTIONS
        kwargs["subcommand_metavar"] = SUBCOMMAND
        super().__init__(*args, **kwargs)

    def resolve_command(self, ctx: _click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and self.get_command(ctx, name) is None and not name.startswith("-") and not ctx.resilient_parsing:
            close = difflib.get_close_matches(name, list(self.commands), n=1)
            ctx.fail(f"没有命令「{name}」" + (f"，是否想写 {close[0]}？" if close else
                                            f"；命令有：{'、'.join(self.commands)}"))
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _click.ClickException as error:
            localized()
            _reword(error)
            raise
        except (Abort, KeyboardInterrupt, EOFError):
            localized()  # typer says 已中止
            raise


class Typer(typer.Typer):
    """typer.Typer whose help, usage and usage errors are Chinese, with -h as well as --help."""

    def __init__(self, **kwargs: Any) -> None:
        settings = {"help_option_names": HELP_NAMES, **kwargs.pop("context_settings", {})}
        super().__init__(cls=Group, context_settings=settings, **kwargs)

    def command(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)
