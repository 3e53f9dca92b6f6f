"""Forms that learners write alike without seeing each other's work: the first answer that
comes to mind for an exercise, not shown anywhere but written so by many, in much the same
tokens (``copies.COMMON``: their fingerprints are no pair's own). Not an answer the grader
compares with (those are ``model_answers.py``); a teacher reading one flagged pair of such a
form would find nothing to ask.

``sum_over_paths`` by a memoised recursion: two students who each wrote it, differing in
names and in a tuple's brackets, were flagged alike (an attacker's h5, issue 65: two honest
students accused)."""

__all__: list[str] = []  # (read for its fingerprints, never imported by the grader)


def sum_over_paths(root, x):
    memo = {}  # type: ignore[var-annotated]  # (as learners write it)

    def walk(v):
        if v is x:
            return 1, 1.0
        if v in memo:
            return memo[v]
        count, total = 0, 0.0
        for parent, local in zip(v.parents, v.local_grads):
            c, s = walk(parent)
            count += c
            total += local * s
        memo[v] = (count, total)
        return count, total

    return walk(root)
