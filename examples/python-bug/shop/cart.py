"""Cart totals with bulk discounts and loyalty points."""


def line_total(price, quantity):
    """Price of `quantity` items at `price` each."""
    return price * quantity


def bulk_discount(quantity):
    """Fraction off for buying in bulk: 10% from 10 items, 20% from 50 items."""
    if quantity >= 50:
        return 0.20
    if quantity >= 10:
        return 0.10
    return 0.0


def cart_total(items):
    """Total of (price, quantity) pairs after bulk discounts, rounded to cents."""
    total = 0.0
    for price, quantity in items:
        subtotal = line_total(price, quantity)
        total += subtotal * (1 - bulk_discount(quantity))
    return round(total, 2)


def loyalty_points(total):
    """Return the loyalty points (an int) earned by spending total (a float >= 0).

    One point per whole 10 spent; from 100 spent, points count double.

    >>> loyalty_points(42)
    4
    >>> loyalty_points(100)
    20
    """
    points = int(total // 10)
    if total >= 100:
        return points + 2
    return points
