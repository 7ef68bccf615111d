"""PDF and PNG through LibreOffice (headless) and pdftoppm.

Starting soffice takes seconds, so a batch converts every document in ONE soffice run: the
documents are copied into a scratch folder under unique names (two year folders may both hold a
法律顾问费.docx) and converted together. Each run gets its own LibreOffice profile, so runs of
perfgen, or of other programs, never share (and lock) one.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

from .errors import ConversionFailed, PerfgenError, ToolMissing  # noqa: F401  (also imported from here)

SOFFICE_ENV = "PERFGEN_SOFFICE"
_SOFFICE_NAMES = ("soffice", "libreoffice")
_SOFFICE_PLACES = (  # where installers put it when it is not on PATH
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
)
INSTALL_HINT = ("安装方法：Debian/Ubuntu 运行 sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui "
                "fonts-noto-cjk fonts-crosextra-carlito；Windows/macOS 从 https://zh-cn.libreoffice.org 下载安装")


def find_soffice() -> str:
    """The LibreOffice executable: $PERFGEN_SOFFICE, soffice/libreoffice on PATH, or a usual place."""
    explicit = os.environ.get(SOFFICE_ENV)
    if explicit:
        if Path(explicit).is_file() or shutil.which(explicit):
            return shutil.which(explicit) or explicit
        raise ToolMissing(f"环境变量 {SOFFICE_ENV} 指向的 LibreOffice 不存在：{explicit}")
    for name in _SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for place in _SOFFICE_PLACES:
        if Path(place).is_file():
            return place
    raise ToolMissing(f"找不到 LibreOffice（soffice），无法生成 PDF。{INSTALL_HINT}；"
                      f"已安装但不在 PATH 中时，用环境变量 {SOFFICE_ENV} 指定 soffice 的完整路径。")


def find_pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if not found:
        raise ToolMissing("找不到 pdftoppm，无法把 PDF 转成图片。安装方法：Debian/Ubuntu 运行 sudo apt-get install "
                          "poppler-utils；macOS 运行 brew install poppler")
    return found


FONTCONFIG = Path(__file__).parent / "fonts" / "fonts.conf"


def soffice_environment() -> dict[str, str]:
    """LibreOffice's environment: on Linux, fontconfig reads perfgen's fonts.conf (the system's
    configuration, and 宋体/SimSun mapped to Noto Serif CJK SC, 黑体 to Noto Sans CJK SC), so a
    PDF prints in the serif the form is printed in. A FONTCONFIG_FILE of the user's own is kept."""
    env = dict(os.environ)
    if "FONTCONFIG_FILE" not in env and FONTCONFIG.is_file():
        env["FONTCONFIG_FILE"] = str(FONTCONFIG)
    return env


def _tail(text: bytes, lines: int = 5) -> str:
    return "\n".join(text.decode("utf-8", "replace").strip().splitlines()[-lines:])


def to_pdf(documents: Sequence[tuple[str, bytes]], soffice: str | None = None) -> list[bytes]:
    """The PDF of each (suffix, bytes) document — `.docx`, `.xlsx` — in the same order, one soffice run."""
    if not documents:
        return []
    soffice = soffice or find_soffice()
    with tempfile.TemporaryDirectory(prefix="perfgen-pdf-") as tmp:
        scratch = Path(tmp)
        source, target = scratch / "in", scratch / "out"
        source.mkdir()
        paths = []
        for i, (suffix, data) in enumerate(documents):
            path = source / f"{i:05d}{suffix}"
            path.write_bytes(data)
            paths.append(path)
        command = [soffice, f"-env:UserInstallation={(scratch / 'profile').as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--nodefault", "--convert-to", "pdf", "--outdir", str(target),
                   *map(str, paths)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=120 + 10 * len(paths), check=False,
                                  env=soffice_environment())
        except subprocess.TimeoutExpired as exc:
            raise ConversionFailed(f"LibreOffice 转换 PDF 超时（{exc.timeout:.0f} 秒）") from exc
        except OSError as exc:
            raise ToolMissing(f"无法启动 LibreOffice（{soffice}）：{exc.strerror}。{INSTALL_HINT}") from exc
        pdfs = [target / f"{path.stem}.pdf" for path in paths]
        missing = [i for i, pdf in enumerate(pdfs) if not pdf.is_file()]
        if missing:
            detail = _tail(done.stderr) or _tail(done.stdout) or f"退出码 {done.returncode}"
            raise ConversionFailed(f"LibreOffice 未能把 {len(missing)} 个文件转换为 PDF：{detail}")
        return [pdf.read_bytes() for pdf in pdfs]


def first_page_png(pdf: bytes, dpi: int = 110) -> bytes:
    """A PNG of the PDF's first page (pdftoppm, from poppler)."""
    pdftoppm = find_pdftoppm()
    with tempfile.TemporaryDirectory(prefix="perfgen-png-") as tmp:
        source, stem = Path(tmp) / "in.pdf", Path(tmp) / "page"
        source.write_bytes(pdf)
        done = subprocess.run([pdftoppm, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
                               str(source), str(stem)], capture_output=True, timeout=120, check=False)
        png = stem.with_suffix(".png")
        if done.returncode != 0 or not png.is_file():
            raise ConversionFailed(f"pdftoppm 未能生成图片：{_tail(done.stderr) or done.returncode}")
        return png.read_bytes()
