"""Stock records parsed from "name,quantity,unit price" lines."""


def parse_line(line):
    parts = [part.strip() for part in line.split(",")]
    if len(parts) != 3:
        raise ValueError("expected three fields: " + line)
    name, quantity, price = parts
    return {"name": name, "quantity": int(quantity), "price": float(price)}


def parse_stock(text):
    items = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        items.append(parse_line(line))
    return items


def stock_value(items):
    total = 0.0
    for item in items:
        total += item["quantity"] * item["price"]
    return round(total, 2)


def needs_restock(items, threshold):
    return sorted(item["name"] for item in items if item["quantity"] < threshold)


def bulk_price(item, quantity):
    price = item["price"] * quantity
    if quantity >= 100:
        price *= 0.8
    elif quantity >= 10:
        price *= 0.9
    return round(price, 2)


def take(items, name, quantity):
    for item in items:
        if item["name"] == name:
            if item["quantity"] < quantity:
                raise ValueError("not enough " + name)
            item["quantity"] -= quantity
            return item["quantity"]
    raise KeyError(name)


def most_valuable(items, count):
    ranked = sorted(items, key=lambda item: (-item["quantity"] * item["price"], item["name"]))
    return [item["name"] for item in ranked[:count]]
