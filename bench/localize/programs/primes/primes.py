"""Number theory basics."""


def is_prime(number):
    if number < 2:
        return False
    divisor = 2
    while divisor * divisor <= number:
        if number % divisor == 0:
            return False
        divisor += 1
    return True


def sieve(limit):
    if limit < 2:
        return []
    flags = [True] * (limit + 1)
    flags[0] = flags[1] = False
    for number in range(2, int(limit ** 0.5) + 1):
        if flags[number]:
            for multiple in range(number * number, limit + 1, number):
                flags[multiple] = False
    return [number for number, prime in enumerate(flags) if prime]


def factorize(number):
    factors = []
    divisor = 2
    while number > 1:
        while number % divisor == 0:
            factors.append(divisor)
            number //= divisor
        divisor += 1
        if divisor * divisor > number and number > 1:
            factors.append(number)
            break
    return factors


def gcd(first, second):
    while second:
        first, second = second, first % second
    return abs(first)


def lcm(first, second):
    if first == 0 or second == 0:
        return 0
    return abs(first * second) // gcd(first, second)


def next_prime(number):
    candidate = number + 1
    while not is_prime(candidate):
        candidate += 1
    return candidate
