"""The quotes of the EMAIL placement as a block to paste into a newsletter or a drip mail.

Email clients are not browsers: no stylesheet, no script, no flexbox or grid, images often
blocked. The block is a 600-px table with inline styles only, the stars as text (★), every value
HTML-escaped, links only to http(s) URLs, and a plain-text alternative with the same words. It
carries the showcase's label and each quote's disclosures, like every placement.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from models.quotes.rules import attribution_line
from models.quotes.showcase import Showcase

FONT = "font-family:Arial,Helvetica,sans-serif"


@dataclass
class EmailBlock:
    html: str
    text: str
    quotes: int


def _stars(rating: float | None) -> str:
    if rating is None:
        return ""
    full = round(rating)
    return "★" * full + "☆" * (5 - full)


def email_block(showcase: Showcase) -> EmailBlock:
    rows, lines = [], [showcase.label, ""]
    colour = escape(showcase.brand_color or "#4f46e5", quote=True)
    for q in showcase.quotes:
        who = attribution_line(q.attribution_name, q.attribution_title, q.attribution_company)
        stars = _stars(q.rating)
        source = ""
        if q.platform_name and q.source_url and q.source_url.startswith(("https://", "http://")):
            source = (f'<br><a href="{escape(q.source_url, quote=True)}" style="{FONT};font-size:12px;'
                      f'color:#6b7280;">Review on {escape(q.platform_name)}</a>')
        notes = "".join(f'<p style="{FONT};font-size:11px;color:#6b7280;margin:6px 0 0;">{escape(d)}</p>'
                        for d in q.disclosures)
        rows.append(
            f'<tr><td style="padding:12px 0;">'
            f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
            f'style="border-left:4px solid {colour};background:#f9fafb;">'
            f'<tr><td style="padding:14px 16px;">'
            + (f'<p style="{FONT};font-size:16px;color:#f5b301;margin:0 0 6px;">{stars}</p>' if stars else "")
            + f'<p style="{FONT};font-size:16px;line-height:1.5;color:#111827;margin:0 0 8px;">'
              f'“{escape(q.text)}”</p>'
              f'<p style="{FONT};font-size:13px;color:#374151;margin:0;">— {escape(who)}{source}</p>'
              f'{notes}</td></tr></table></td></tr>')
        lines += [f"“{q.text}”", f"— {who}" + (f" ({q.platform_name})" if q.platform_name else ""),
                  *q.disclosures, ""]
    html = (f'<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" '
            f'style="width:600px;max-width:100%;border-collapse:collapse;">'
            f'<tr><td style="{FONT};font-size:12px;color:#6b7280;padding:0 0 4px;">'
            f'{escape(showcase.label)}</td></tr>'
            + "".join(rows) + "</table>")
    return EmailBlock(html=html, text="\n".join(lines).strip() + "\n", quotes=len(showcase.quotes))
