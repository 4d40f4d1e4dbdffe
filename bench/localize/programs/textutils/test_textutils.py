from textutils import capitalize_words, caesar_shift, is_palindrome, run_length_decode, run_length_encode, truncate, word_count


def test_word_count_basic():
    assert word_count("the cat the hat") == {"the": 2, "cat": 1, "hat": 1}


def test_word_count_punctuation_and_case():
    assert word_count("Hi, hi! HI.") == {"hi": 3}


def test_word_count_empty():
    assert word_count("") == {}


def test_capitalize_words():
    assert capitalize_words("hello big world") == "Hello Big World"


def test_capitalize_keeps_rest():
    assert capitalize_words("mcDonald had") == "McDonald Had"


def test_palindrome_true():
    assert is_palindrome("A man, a plan, a canal: Panama")


def test_palindrome_false():
    assert not is_palindrome("hello")


def test_palindrome_near_miss():
    assert not is_palindrome("abca")


def test_palindrome_single():
    assert is_palindrome("x")


def test_caesar_lower():
    assert caesar_shift("abc", 1) == "bcd"


def test_caesar_wraps():
    assert caesar_shift("xyz", 3) == "abc"


def test_caesar_upper_and_punctuation():
    assert caesar_shift("Hello, World!", 13) == "Uryyb, Jbeyq!"


def test_caesar_negative():
    assert caesar_shift("bcd", -1) == "abc"


def test_rle_encode():
    assert run_length_encode("aaabcc") == [("a", 3), ("b", 1), ("c", 2)]


def test_rle_encode_single():
    assert run_length_encode("z") == [("z", 1)]


def test_rle_encode_empty():
    assert run_length_encode("") == []


def test_rle_round_trip():
    assert run_length_decode(run_length_encode("xxyyyz")) == "xxyyyz"


def test_truncate_short():
    assert truncate("hello", 10) == "hello"


def test_truncate_exact():
    assert truncate("hello", 5) == "hello"


def test_truncate_long():
    assert truncate("hello world", 8) == "hello..."


def test_truncate_tiny_limit():
    assert truncate("hello", 2) == "he"
