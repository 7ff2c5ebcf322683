#!/usr/bin/env python
"""Draw the rich-menu images from bot/richmenu/menus.yaml (Japanese labels need a Japanese font).

python scripts/richmenu_images.py [--font /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf]

Writes bot/richmenu/images/<menu>.png (commit them: the bot uploads these files). Needs Pillow and
Debian's fonts-ipafont-gothic; nothing is downloaded.
"""
from __future__ import annotations

import sys

import click

from bot.richmenu.definition import IMAGES, RichMenuError, load

DEFAULT_FONT = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"


def draw(menu, font_path: str):
    from PIL import Image, ImageDraw, ImageFont
    image = Image.new("RGB", menu.size, "white")
    pen = ImageDraw.Draw(image)
    big, small = ImageFont.truetype(font_path, 96), ImageFont.truetype(font_path, 56)
    for area in menu.areas:
        x, y, w, h = area.bounds
        pen.rectangle([x + 6, y + 6, x + w - 7, y + h - 7], fill=menu.color)
        cx, cy = x + w / 2, y + h / 2
        pen.text((cx, cy - 30), area.label, font=big, fill="white", anchor="mm")
        if area.sub:
            pen.text((cx, cy + 70), area.sub, font=small, fill="#f2f2f2", anchor="mm")
    return image


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--font", "font_path", default=DEFAULT_FONT, show_default=True, help="日本語フォント / Japanese font")
def main(font_path):
    """リッチメニューの画像を作ります / draw the rich-menu images."""
    try:
        menus = load()
    except RichMenuError as exc:
        raise click.ClickException(str(exc))
    IMAGES.mkdir(exist_ok=True)
    for menu in menus.values():
        draw(menu, font_path).save(menu.image, optimize=True)
        click.echo(f"{menu.image.relative_to(IMAGES.parents[2])}: {menu.image.stat().st_size} bytes")


if __name__ == "__main__":
    sys.exit(main())
