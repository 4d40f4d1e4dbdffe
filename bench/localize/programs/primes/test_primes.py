from primes import factorize, gcd, is_prime, lcm, next_prime, sieve


def test_is_prime_small():
    assert [n for n in range(12) if is_prime(n)] == [2, 3, 5, 7, 11]


def test_is_prime_square():
    assert not is_prime(49)


def test_is_prime_large():
    assert is_prime(97)


def test_sieve():
    assert sieve(20) == [2, 3, 5, 7, 11, 13, 17, 19]


def test_sieve_prime_limit():
    assert sieve(13) == [2, 3, 5, 7, 11, 13]


def test_sieve_small():
    assert sieve(1) == []


def test_sieve_two():
    assert sieve(2) == [2]


def test_factorize():
    assert factorize(360) == [2, 2, 2, 3, 3, 5]


def test_factorize_prime():
    assert factorize(13) == [13]


def test_factorize_square():
    assert factorize(49) == [7, 7]


def test_factorize_one():
    assert factorize(1) == []


def test_gcd():
    assert gcd(48, 18) == 6


def test_gcd_negative():
    assert gcd(-12, 8) == 4


def test_gcd_zero():
    assert gcd(5, 0) == 5


def test_lcm():
    assert lcm(4, 6) == 12


def test_lcm_zero():
    assert lcm(0, 6) == 0


def test_next_prime():
    assert next_prime(13) == 17


def test_next_prime_from_one():
    assert next_prime(1) == 2
