import pytest

from inventory import bulk_price, most_valuable, needs_restock, parse_line, parse_stock, stock_value, take

STOCK = """
# name, quantity, price
bolt, 120, 0.25
nut, 8, 0.1
gear, 15, 4.5

washer, 3, 0.05
"""


def test_parse_line():
    assert parse_line("bolt, 3, 0.5") == {"name": "bolt", "quantity": 3, "price": 0.5}


def test_parse_line_bad():
    with pytest.raises(ValueError):
        parse_line("bolt, 3")


def test_parse_stock_skips_comments_and_blanks():
    assert [item["name"] for item in parse_stock(STOCK)] == ["bolt", "nut", "gear", "washer"]


def test_stock_value():
    assert stock_value(parse_stock(STOCK)) == 98.45


def test_stock_value_empty():
    assert stock_value([]) == 0.0


def test_needs_restock():
    assert needs_restock(parse_stock(STOCK), 10) == ["nut", "washer"]


def test_needs_restock_boundary():
    assert needs_restock(parse_stock(STOCK), 8) == ["washer"]


def test_bulk_price_small():
    assert bulk_price({"name": "x", "quantity": 0, "price": 2.0}, 5) == 10.0


def test_bulk_price_ten():
    assert bulk_price({"name": "x", "quantity": 0, "price": 2.0}, 10) == 18.0


def test_bulk_price_hundred():
    assert bulk_price({"name": "x", "quantity": 0, "price": 1.0}, 100) == 80.0


def test_take():
    items = parse_stock(STOCK)
    assert take(items, "gear", 5) == 10


def test_take_all():
    items = parse_stock(STOCK)
    assert take(items, "nut", 8) == 0


def test_take_too_many():
    with pytest.raises(ValueError):
        take(parse_stock(STOCK), "nut", 9)


def test_take_unknown():
    with pytest.raises(KeyError):
        take(parse_stock(STOCK), "spring", 1)


def test_most_valuable():
    assert most_valuable(parse_stock(STOCK), 2) == ["gear", "bolt"]


def test_most_valuable_tie_by_name():
    items = [{"name": "b", "quantity": 1, "price": 2.0}, {"name": "a", "quantity": 2, "price": 1.0}]
    assert most_valuable(items, 1) == ["a"]
