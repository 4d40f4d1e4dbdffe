"""Lists-of-lists matrices."""


def shape(matrix):
    if not matrix:
        return (0, 0)
    return (len(matrix), len(matrix[0]))


def identity(size):
    return [[1 if row == column else 0 for column in range(size)] for row in range(size)]


def transpose(matrix):
    rows, columns = shape(matrix)
    return [[matrix[row][column] for row in range(rows)] for column in range(columns)]


def multiply(left, right):
    rows, inner = shape(left)
    inner_right, columns = shape(right)
    if inner != inner_right:
        raise ValueError("shapes do not match")
    result = [[0] * columns for _ in range(rows)]
    for row in range(rows):
        for column in range(columns):
            total = 0
            for index in range(inner):
                total += left[row][index] * right[index][column]
            result[row][column] = total
    return result


def trace(matrix):
    rows, columns = shape(matrix)
    if rows != columns:
        raise ValueError("trace needs a square matrix")
    return sum(matrix[index][index] for index in range(rows))


def rotate_clockwise(matrix):
    rows, columns = shape(matrix)
    return [[matrix[rows - 1 - row][column] for row in range(rows)] for column in range(columns)]


def add(left, right):
    if shape(left) != shape(right):
        raise ValueError("shapes do not match")
    return [[a + b for a, b in zip(row_left, row_right)] for row_left, row_right in zip(left, right)]
