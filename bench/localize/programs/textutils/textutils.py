"""Small string helpers."""


def word_count(text):
    counts = {}
    for word in text.lower().split():
        word = word.strip(".,!?")
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts


def capitalize_words(text):
    words = text.split(" ")
    return " ".join(word[:1].upper() + word[1:] for word in words)


def is_palindrome(text):
    letters = [char.lower() for char in text if char.isalnum()]
    left = 0
    right = len(letters) - 1
    while left < right:
        if letters[left] != letters[right]:
            return False
        left += 1
        right -= 1
    return True


def caesar_shift(text, shift):
    result = []
    for char in text:
        if "a" <= char <= "z":
            result.append(chr((ord(char) - ord("a") + shift) % 26 + ord("a")))
        elif "A" <= char <= "Z":
            result.append(chr((ord(char) - ord("A") + shift) % 26 + ord("A")))
        else:
            result.append(char)
    return "".join(result)


def run_length_encode(text):
    if not text:
        return []
    runs = []
    current = text[0]
    count = 1
    for char in text[1:]:
        if char == current:
            count += 1
        else:
            runs.append((current, count))
            current = char
            count = 1
    runs.append((current, count))
    return runs


def run_length_decode(runs):
    return "".join(char * count for char, count in runs)


def truncate(text, limit):
    if len(text) <= limit:
        return text
    if limit <= 3:
        return text[:limit]
    return text[: limit - 3] + "..."
