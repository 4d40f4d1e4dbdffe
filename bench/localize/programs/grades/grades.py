"""Course grading."""

CUTOFFS = [(90, "A"), (80, "B"), (70, "C"), (60, "D")]


def letter(score):
    if score < 0 or score > 100:
        raise ValueError("score out of range")
    for cutoff, grade in CUTOFFS:
        if score >= cutoff:
            return grade
    return "F"


def weighted_average(scores, weights):
    if len(scores) != len(weights):
        raise ValueError("one weight per score")
    total_weight = sum(weights)
    if total_weight == 0:
        return 0.0
    total = 0.0
    for score, weight in zip(scores, weights):
        total += score * weight
    return total / total_weight


def drop_lowest(scores, count):
    if count >= len(scores):
        return []
    return sorted(scores)[count:]


def rank_students(results):
    ordered = sorted(results.items(), key=lambda entry: (-entry[1], entry[0]))
    ranks = {}
    previous_score = None
    previous_rank = 0
    for position, (name, score) in enumerate(ordered, start=1):
        if score != previous_score:
            previous_rank = position
            previous_score = score
        ranks[name] = previous_rank
    return ranks


def passing_share(scores, pass_mark=60):
    if not scores:
        return 0.0
    passed = len([score for score in scores if score >= pass_mark])
    return passed / len(scores)


def curve(scores, target_top=100):
    top = max(scores)
    if top == 0:
        return list(scores)
    bonus = target_top - top
    return [min(100, score + bonus) for score in scores]
