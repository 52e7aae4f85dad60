"""A social card per quote: a PNG with the quote, its attribution, the stars, the platform and
the product's colour, in the sizes ads and social posts use — 1200×630 (link previews, the
default), 1200×628 (LinkedIn and Facebook link ads) and 1080×1080 (square posts and ads).

Text is set in Roboto (the font-roboto package: Latin, accents, typographic quotes and dashes),
else DejaVu Sans if the system has it, else Pillow's own font with accents folded — never a
missing-glyph box. The stars are polygons, so they need no glyph at all.
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from models.quotes.rules import attribution_line
from models.quotes.tables import Quote

WIDTH, HEIGHT = 1200, 630
SIZES = {"1200x630": (1200, 630), "1200x628": (1200, 628), "1080x1080": (1080, 1080)}
# Placements whose consent makes the card public: the card is made for posts and ads.
CARD_PLACEMENTS = ("social", "ad")
MARGIN = 72
STAR_GOLD = (245, 179, 1)
STAR_EMPTY = (255, 255, 255, 70)


SYSTEM_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


@functools.cache
def _font_file(weight: str) -> str | None:
    try:
        import font_roboto

        return font_roboto.RobotoMedium if weight == "medium" else font_roboto.Roboto
    except ImportError:
        return next((path for path in SYSTEM_FONTS if Path(path).exists()), None)


@functools.cache
def font(size: int, weight: str = "regular") -> ImageFont.FreeTypeFont:
    path = _font_file(weight)
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size=size)


def drawable(text: str) -> str:
    """The text itself with a real font; folded to ASCII-ish only with Pillow's fallback font."""
    if _font_file("regular"):
        return text
    table = {"—": "-", "–": "-", "…": "...", "«": '"', "»": '"'}
    folded = "".join(table.get(c, c) for c in text)
    return unicodedata.normalize("NFKD", folded).encode("latin-1", "ignore").decode("latin-1")


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
        face = font(size, "medium")
        chars = max(10, int(box_width / (size * 0.5)))
        lines = textwrap.wrap(f"“{text}”", width=chars)
        while lines and max(draw.textlength(line, font=face) for line in lines) > box_width:
            chars -= 2
            lines = textwrap.wrap(f"“{text}”", width=chars)
        if len(lines) * size * 1.3 <= box_height:
            return face, lines, size
    face = font(26, "medium")
    lines = textwrap.wrap(f"“{text}”", width=int(box_width / 13))
    keep = int(box_height / (26 * 1.3))
    if len(lines) > keep:
        lines = lines[:keep]
        lines[-1] = lines[-1].rstrip(" ”") + "…”"
    return face, lines, 26


def render_card(text: str, attribution: str, rating: float | None, platform: str | None,
                product: str, brand_color: str, size: tuple[int, int] = (WIDTH, HEIGHT)) -> bytes:
    width, height = size
    text, attribution, product = drawable(text), drawable(attribution), drawable(product)
    platform = drawable(platform) if platform else platform
    brand = _rgb(brand_color)
    image = Image.new("RGB", (width, height), _darker(brand))
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle((0, 0, 18, height), fill=brand)
    draw.rectangle((0, height - 120, width, height), fill=brand)
    top = MARGIN
    if rating is not None:
        for i in range(5):
            cx = MARGIN + 22 + i * 52
            draw.polygon(_star(cx, top + 20, 22), fill=STAR_EMPTY)
            share = max(0.0, min(1.0, rating - i))
            if share > 0:
                layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
                ImageDraw.Draw(layer).polygon(_star(cx, top + 20, 22), fill=STAR_GOLD)
                crop = (int(cx - 22), 0, int(cx - 22 + 44 * share), height)
                image.paste(layer.crop(crop), crop[:2], layer.crop(crop))
        label = font(28)
        draw.text((MARGIN + 5 * 52 + 16, top + 4), f"{rating:g}/5", font=label, fill="white")
        top += 70
    face, lines, size = _fit_quote(draw, text, width - 2 * MARGIN, height - 120 - top - 90)
    for line in lines:
        draw.text((MARGIN, top), line, font=face, fill="white")
        top += int(size * 1.3)
    who_y = height - 120 - 64
    draw.rectangle((MARGIN, who_y + 17, MARGIN + 28, who_y + 20), fill=(255, 255, 255, 220))
    draw.text((MARGIN + 40, who_y), attribution[:80], font=font(30), fill=(255, 255, 255, 220))
    footer = font(34, "medium")
    draw.text((MARGIN, height - 80), product[:40], font=footer, fill="white")
    if platform:
        note = f"Review on {platform}"
        width = draw.textlength(note, font=footer)
        draw.text((width - MARGIN - width, height - 80), note, font=footer, fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def card_for_row(row: dict, size: tuple[int, int] = (WIDTH, HEIGHT)) -> bytes:
    attribution = attribution_line(row["attribution_name"], row["attribution_title"],
                                   row["attribution_company"])
    return render_card(row["text"], attribution, row["rating"], row["platform_name"],
                       row["product_name"], row["brand_color"], size)


async def card_row(quote_id: int, live_only: bool = False) -> dict | None:
    """Everything a card shows. The admin previews any quote; the public URL (`live_only`) serves
    only a quote live on a social or ad placement — the reviewer consented to posts and ads, not
    just to a line on the home page; a candidate's words are never public."""
    live = ("AND q.status = 'published' AND EXISTS (SELECT 1 FROM quote_consent c "
            "WHERE c.quote = q.id AND c.published AND c.state = 'granted' "
            "AND c.placement IN ('social', 'ad'))") if live_only else ""
    rows = await Quote.raw(
        f"""SELECT q.id, q.text, q.attribution_name, q.attribution_title, q.attribution_company,
                   r.rating, pl.name AS platform_name, p.name AS product_name, p.brand_color
            FROM quote q JOIN product p ON p.id = q.product
            LEFT JOIN review r ON r.id = q.review
            LEFT JOIN platform_profile pp ON pp.id = r.profile
            LEFT JOIN review_platform pl ON pl.id = pp.platform
            WHERE q.id = {{}} {live}""", quote_id)
    return rows[0] if rows else None
