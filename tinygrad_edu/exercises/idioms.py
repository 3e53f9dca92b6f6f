"""Forms that learners write alike without seeing each other's work: the first answer that
comes to mind for an exercise, not shown anywhere but written so by many, in much the same
tokens (``copies.COMMON``: their fingerprints are no pair's own). Not an answer the grader
compares with (those are ``model_answers.py``); a teacher reading one flagged pair of such a
form would find nothing to ask.

``sum_over_paths`` by a memoised recursion: two students who each wrote it, differing in
names and in a tuple's brackets, were flagged alike (an attacker's h5, issue 65: two honest
students accused). And ``sum_over_paths`` on the engine's own sort, as ``backward`` is
written by whoever wrote it: the nodes of ``walk(root)`` in reverse, a count and a sum in
two dicts passed from each node to its parents. Three honest answers so (with ``.get``, a
``defaultdict``, a slice for ``reversed``) held the model answer's fingerprints and were
flagged as its copy (an attacker's, issue 65). It is a part of the model answer, not the
whole of it, and so named ``part_``: not left out of the answer's fingerprints (what is left
of it beside this is its sort with a stack, too short to compare alone), but an answer is
flagged only where a definition also holds ``SHARE`` of what of it is not such a part
(``copies.answers``)."""

from tinygrad_edu import walk

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


def part_sum_over_paths_walked(root, x):
    paths, sums = {root: 1}, {root: 1.0}
    for node in reversed(walk(root)):
        for parent, g in zip(node.parents, node.local_grads):
            paths[parent] = paths.get(parent, 0) + paths.get(node, 0)
            sums[parent] = sums.get(parent, 0.0) + sums.get(node, 0.0) * g
    return paths.get(x, 0), sums.get(x, 0.0)
