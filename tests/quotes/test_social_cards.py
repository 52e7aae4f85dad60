"""Social cards: size, colours, partial stars, and every character of EN/FR quotes drawable."""

import io

from PIL import Image

from models.quotes.cards import font, render_card

FRENCH = "Le support client est très réactif… et l’équipe répond — « vite » ! Ça coûte 5 €."


def test_every_character_of_a_french_quote_has_a_glyph():
    face = font(30)

    def glyph(c):
        mask = face.getmask(c)
        return mask.size, bytes(mask)

    missing = glyph("\U000F0000")  # a private-use code point: the notdef box
    assert [c for c in set(FRENCH) if c != " " and glyph(c) == missing] == []


def test_a_card_is_a_1200_by_630_png_in_the_product_colour():
    png = render_card(FRENCH, "Bruno Rossi, Contrôleur, Northwind", 4.5, "G2", "Acme Ledger", "#0f766e")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.format is None and image.size == (1200, 630)
    assert image.getpixel((600, 600)) == (15, 118, 110)  # the footer band: the brand colour
    # 4.5 stars: the fifth star is gold on its left half only.
    fifth = 72 + 22 + 4 * 52
    assert image.getpixel((fifth - 8, 92)) == (245, 179, 1)
    assert image.getpixel((fifth + 8, 92)) != (245, 179, 1)


def test_a_long_quote_still_fits():
    png = render_card("word " * 200, "Someone", None, None, "Acme", "#123456")
    assert Image.open(io.BytesIO(png)).size == (1200, 630)
