"""The catalogue: products and their makers, photos, stock, collections."""
