"""Render resources/icons/guichet.svg to the PNG sizes desktops ask for and a Windows .ico.

Run once after editing the SVG (the outputs are committed, so a build needs no SVG renderer):
    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def write_ico(path: Path, images: list[QImage]) -> None:
    """ICO with PNG-compressed entries (Windows Vista and later read them at every size).
    Written by hand: Qt's ico plugin writes only one image per file."""
    entries = [(img.width(), png_bytes(img)) for img in images]
    header = (0).to_bytes(2, "little") + (1).to_bytes(2, "little") + len(entries).to_bytes(2, "little")
    offset = 6 + 16 * len(entries)
    directory, blobs = b"", b""
    for size, blob in entries:
        dim = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        directory += bytes([dim, dim, 0, 0]) + (1).to_bytes(2, "little") + (32).to_bytes(2, "little")
        directory += len(blob).to_bytes(4, "little") + offset.to_bytes(4, "little")
        offset += len(blob)
        blobs += blob
    path.write_bytes(header + directory + blobs)


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)  # noqa: F841 (QImage needs it)
    renderer = QSvgRenderer(str(ICONS / "guichet.svg"))
    if not renderer.isValid():
        print("guichet.svg is not a valid SVG", file=sys.stderr)
        return 1
    images = []
    for size in SIZES:
        image = render(renderer, size)
        image.save(str(ICONS / f"guichet-{size}.png"))
        images.append(image)
    write_ico(ICONS / "guichet.ico", [i for i in images if i.width() in (16, 24, 32, 48, 64, 128, 256)])
    print(f"wrote {len(images)} PNGs and guichet.ico to {ICONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
