"""A social card per quote: a 1200×630 PNG (the size link previews and social posts use) with
the quote, its attribution, the stars, the platform and the product's colour.

Drawn with Pillow's bundled font (no system fonts needed); the stars are drawn as polygons so
no glyph is missing, whatever the font.
"""

from __future__ import annotations

import io
import math
import textwrap

from PIL import Image, ImageDraw, ImageFont

from models.quotes import Quote

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
STAR_GOLD = (245, 179, 1)
STAR_EMPTY = (255, 255, 255, 70)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = (hex_colour or "#4f46e5").lstrip("#")
    try:
        return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    except ValueError:
        return (79, 70, 229)


def _darker(rgb: tuple[int, int, int], factor: float = 0.55) -> tuple[int, int, int]:
    return tuple(int(c * factor) for c in rgb)  # type: ignore[return-value]


def _star(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * 0.45
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy - radius * math.sin(angle)))
    return points


def _fit_quote(draw: ImageDraw.ImageDraw, text: str, box_width: int, box_height: int):
    """The largest font size (down to 26 px) at which the quote wraps into the box."""
    for size in (54, 48, 42, 38, 34, 30, 26):
        font = ImageFont.load_default(size=size)
        chars = max(10, int(box_width / (size * 0.5)))
        lines = textwrap.wrap(f"“{text}”", width=chars)
        while lines and max(draw.textlength(line, font=font) for line in lines) > box_width:
            chars -= 2
            lines = textwrap.wrap(f"“{text}”", width=chars)
        if len(lines) * size * 1.3 <= box_height:
            return font, lines, size
    font = ImageFont.load_default(size=26)
    lines = textwrap.wrap(f"“{text}”", width=int(box_width / 13))
    keep = int(box_height / (26 * 1.3))
    if len(lines) > keep:
        lines = lines[:keep]
        lines[-1] = lines[-1].rstrip(" ”") + "…”"
    return font, lines, 26


def render_card(text: str, attribution: str, rating: float | None, platform: str | None,
                product: str, brand_color: str) -> bytes:
    brand = _rgb(brand_color)
    image = Image.new("RGB", (WIDTH, HEIGHT), _darker(brand))
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle((0, 0, 18, HEIGHT), fill=brand)
    draw.rectangle((0, HEIGHT - 120, WIDTH, HEIGHT), fill=brand)
    top = MARGIN
    if rating is not None:
        for i in range(5):
            cx = MARGIN + 22 + i * 52
            draw.polygon(_star(cx, top + 20, 22), fill=STAR_EMPTY)
            share = max(0.0, min(1.0, rating - i))
            if share > 0:
                layer = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
                ImageDraw.Draw(layer).polygon(_star(cx, top + 20, 22), fill=STAR_GOLD)
                crop = (int(cx - 22), 0, int(cx - 22 + 44 * share), HEIGHT)
                image.paste(layer.crop(crop), crop[:2], layer.crop(crop))
        label = ImageFont.load_default(size=28)
        draw.text((MARGIN + 5 * 52 + 16, top + 4), f"{rating:g}/5", font=label, fill="white")
        top += 70
    font, lines, size = _fit_quote(draw, text, WIDTH - 2 * MARGIN, HEIGHT - 120 - top - 90)
    for line in lines:
        draw.text((MARGIN, top), line, font=font, fill="white")
        top += int(size * 1.3)
    who = ImageFont.load_default(size=30)
    draw.text((MARGIN, HEIGHT - 120 - 64), f"— {attribution}"[:80], font=who, fill=(255, 255, 255, 220))
    footer = ImageFont.load_default(size=34)
    draw.text((MARGIN, HEIGHT - 80), product[:40], font=footer, fill="white")
    if platform:
        note = f"Review on {platform}"
        width = draw.textlength(note, font=footer)
        draw.text((WIDTH - MARGIN - width, HEIGHT - 80), note, font=footer, fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def attribution_line(row: dict) -> str:
    return ", ".join(x for x in (row["attribution_name"], row["attribution_title"],
                                 row["attribution_company"]) if x)


def card_for_row(row: dict) -> bytes:
    return render_card(row["text"], attribution_line(row), row["rating"], row["platform_name"],
                       row["product_name"], row["brand_color"])


async def card_row(quote_id: int) -> dict | None:
    """Everything a card shows, for any quote (the admin previews before publishing)."""
    rows = await Quote.raw(
        """SELECT q.id, q.text, q.attribution_name, q.attribution_title, q.attribution_company,
                  r.rating, pl.name AS platform_name, p.name AS product_name, p.brand_color
           FROM quote q JOIN product p ON p.id = q.product
           LEFT JOIN review r ON r.id = q.review
           LEFT JOIN platform_profile pp ON pp.id = r.profile
           LEFT JOIN review_platform pl ON pl.id = pp.platform
           WHERE q.id = {}""", quote_id)
    return rows[0] if rows else None
