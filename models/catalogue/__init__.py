"""The catalogue: products, the review platforms and their rules (the eight known ones in
known_platforms.py), a product's profiles on them and their rating readings."""
