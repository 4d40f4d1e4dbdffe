"""A tiny shop: cart totals, bulk discounts and loyalty points."""
