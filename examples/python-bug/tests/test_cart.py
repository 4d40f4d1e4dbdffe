from shop.cart import bulk_discount, cart_total, line_total, loyalty_points


def test_line_total():
    assert line_total(2.5, 4) == 10.0


def test_no_discount_for_a_few_items():
    assert bulk_discount(3) == 0.0


def test_ten_percent_from_ten_items():
    assert bulk_discount(10) == 0.10


def test_twenty_percent_from_fifty_items():
    assert bulk_discount(50) == 0.20


def test_empty_cart_costs_nothing():
    assert cart_total([]) == 0.0


def test_cart_total_applies_discounts():
    assert cart_total([(1.0, 10), (2.0, 1)]) == 11.0


def test_points_below_one_hundred():
    assert loyalty_points(42) == 4


def test_points_count_double_from_one_hundred():
    assert loyalty_points(100) == 20


def test_points_for_a_big_spender():
    assert loyalty_points(250) == 50
