"""Rules on calls and operands: arguments swapped, a keyword argument made positional or left
out, a wrapping call removed (a clamp, an escape, a copy), the operands of ``+`` or ``-`` reversed.

What a few standard functions do with their parameters is written down here (their positional
order, a default): only for those is a sentence allowed to name the parameter an argument now
lands on, or the default it now gets."""

from __future__ import annotations

import ast

from .trees import Change, Edit, same
from .words import ordinal, q, qc

Found = tuple[str, str, tuple[str, ...]]

# positional parameters, in order, of standard functions (as they are usually spelled)
POSITIONAL = {
    "re.sub": ("pattern", "repl", "string", "count", "flags"),
    "re.subn": ("pattern", "repl", "string", "count", "flags"),
    "re.split": ("pattern", "string", "maxsplit", "flags"),
    "re.compile": ("pattern", "flags"),
    "re.match": ("pattern", "string", "flags"),
    "re.search": ("pattern", "string", "flags"),
    "re.fullmatch": ("pattern", "string", "flags"),
    "re.findall": ("pattern", "string", "flags"),
    "re.finditer": ("pattern", "string", "flags"),
    "datetime.timedelta": ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"),
    "timedelta": ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"),
    "open": ("file", "mode", "buffering", "encoding", "errors", "newline", "closefd", "opener"),
    "round": ("number", "ndigits"),
    "int": ("x", "base"),
}
# (function, keyword) -> (its default, what leaving the keyword out now does)
DEFAULTS = {
    ("parse_qs", "keep_blank_values"): ("False", "a query item with a blank value (such as `a=`) is now left out"),
    ("parse_qsl", "keep_blank_values"): ("False", "a query item with a blank value (such as `a=`) is now left out"),
    ("urllib.parse.parse_qs", "keep_blank_values"): ("False", "a query item with a blank value (such as `a=`) is now "
                                                              "left out"),
    ("subprocess.run", "check"): ("False", "a command that fails no longer raises `CalledProcessError`"),
    ("json.dumps", "sort_keys"): ("False", "the keys are no longer sorted"),
    ("logging.config.fileConfig", "disable_existing_loggers"): (
        "True", "loggers that exist before the call (and are not named in the file) are now disabled by it"),
}


def _call_pair(change: Change) -> tuple[ast.Call, ast.Call] | None:
    """The innermost call both versions share that holds every edit (same function)."""
    edits = change.edits
    depth = min(len(e.old_parents) for e in edits)
    first = edits[0]
    common = 0
    while common < depth and all(e.old_parents[common] is first.old_parents[common] for e in edits):
        common += 1
    for i in range(common - 1, -1, -1):
        a, b = first.old_parents[i], first.new_parents[i]
        if isinstance(a, ast.Call) and isinstance(b, ast.Call) and same(a.func, b.func):
            return a, b
        if isinstance(a, ast.stmt):
            return None
    return None


def arguments_swapped(change: Change) -> Found | None:
    """``copy(src, dst)`` -> ``copy(dst, src)``; ``grid[k, j]`` -> ``grid[j, k]``."""
    pair = _call_pair(change)
    swap = None
    if pair is not None and len(pair[0].keywords) == len(pair[1].keywords) and \
            all(same(a, b) for a, b in zip(pair[0].keywords, pair[1].keywords)):
        swap = _swap(pair[0].args, pair[1].args)
    if pair is not None and swap is not None:
        old, new = pair
        i, j = swap
        sentence = (f"{qc(change, old.func)} now gets {qc(change, new.args[i])} as its {ordinal(i)} argument and "
                    f"{qc(change, new.args[j])} as its {ordinal(j)}: the two trade places.")
        return "arguments-swapped", sentence, (change.code(old.args[i]), change.code(old.args[j]))
    holder = _one_holder(change)
    if holder is None:
        return None
    old, new = holder
    edit = change.edits[0]
    depth = next((i for i, p in enumerate(edit.old_parents) if p is old), 0)
    if isinstance(old, ast.Tuple) and depth > 0:  # the index tuple: its subscript holds it
        old, new = edit.old_parents[depth - 1], edit.new_parents[depth - 1]
    if isinstance(old, ast.Subscript) and isinstance(new, ast.Subscript) and same(old.value, new.value) and \
            isinstance(old.slice, ast.Tuple) and isinstance(new.slice, ast.Tuple):
        swap = _swap(old.slice.elts, new.slice.elts)
        if swap is None:
            return None
        i, j = swap
        sentence = (f"{qc(change, old.value)} is now read at {qc(change, new)}, not {qc(change, old)}: its "
                    f"{ordinal(i)} and {ordinal(j)} indices trade places.")
        return "arguments-swapped", sentence, (change.code(old), change.code(new))
    return None


def _one_holder(change: Change) -> tuple[ast.AST, ast.AST] | None:
    """The innermost node pair holding every edit (the edits' deepest shared parent)."""
    edits = change.edits
    first = edits[0]
    depth = min(len(e.old_parents) for e in edits)
    common = 0
    while common < depth and all(e.old_parents[common] is first.old_parents[common] for e in edits):
        common += 1
    if common == 0:
        return None
    return first.old_parents[common - 1], first.new_parents[common - 1]


def _swap(olds: list[ast.AST], news: list[ast.AST]) -> tuple[int, int] | None:
    differ = [i for i, (a, b) in enumerate(zip(olds, news)) if not same(a, b)]
    if len(olds) != len(news) or len(differ) != 2:
        return None
    i, j = differ
    return (i, j) if same(olds[i], news[j]) and same(olds[j], news[i]) else None


def _name(change: Change, func: ast.expr) -> str:
    return change.code(func)


def keyword_made_positional(change: Change) -> Found | None:
    """``re.sub(p, r, s, flags=re.ASCII)`` -> ``re.sub(p, r, s, re.ASCII)``: it is now ``count``."""
    pair = _call_pair(change)
    if pair is None:
        return None
    old, new = pair
    if len(new.args) != len(old.args) + 1 or not all(same(a, b) for a, b in zip(old.args, new.args)):
        return None
    moved = new.args[-1]
    gone = [k for k in old.keywords if k.arg and not any(same(k, x) for x in new.keywords)]
    if len(gone) != 1 or not same(gone[0].value, moved) or len(new.keywords) != len(old.keywords) - 1:
        return None
    keyword, position = gone[0].arg, len(new.args) - 1
    func = _name(change, old.func)
    params = POSITIONAL.get(func)
    if params is not None and position < len(params):
        lands = f"by position it is now {q(func)}'s {q(params[position])}"
        if params[position] == keyword:
            return None  # the same parameter either way
    else:
        lands = f"by position it now fills the {ordinal(position)} parameter of {q(func)}, whatever that is"
    sentence = f"{qc(change, moved)} is no longer passed as {q(keyword)}: {lands}."
    return "keyword-made-positional", sentence, (func, keyword)


def keyword_dropped(change: Change) -> Found | None:
    """``parse_qs(v, keep_blank_values=True)`` -> ``parse_qs(v)``: the default applies now."""
    pair = _call_pair(change)
    if pair is None:
        return None
    old, new = pair
    if len(old.args) != len(new.args) or not all(same(a, b) for a, b in zip(old.args, new.args)):
        return None
    gone = [k for k in old.keywords if k.arg and not any(same(k, x) for x in new.keywords)]
    if len(gone) != 1 or len(new.keywords) != len(old.keywords) - 1:
        return None
    keyword = gone[0]
    func = _name(change, old.func)
    known = DEFAULTS.get((func, keyword.arg))  # type: ignore[arg-type]
    given = f"{keyword.arg}={change.code(keyword.value)}"
    if known is not None:
        default, effect = known
        if default == change.code(keyword.value):
            return None
        sentence = f"{q(func)} no longer gets {q(given)}, so it takes its default {q(default)}: {effect}."
    else:
        sentence = f"{q(func)} no longer gets {q(given)}: it now takes whatever default {q(keyword.arg)} has."
    return "keyword-dropped", sentence, (func, given)


# f(x) -> x: what no longer happens to x
_PLAIN = {
    "re.escape": "is no longer escaped: regular-expression characters in it (such as `.`, `+`, `(`) now act as "
                 "pattern syntax instead of matching themselves",
    "shlex.quote": "is no longer quoted for the shell: spaces and shell characters in it now reach the command line "
                   "as they are",
    "html.escape": "is no longer escaped: `<`, `>` and `&` in it now reach the HTML as they are",
    "abs": "is no longer made non-negative: a negative value now stays negative",
    "sorted": "is no longer sorted: its items now come in their own order",
}
_COPIES = {"list", "dict", "set", "copy.copy", "copy.deepcopy"}
_METHODS = {
    "strip": "no longer has the whitespace around it removed",
    "lower": "is no longer lower-cased: text that differs only in case now compares unequal",
    "upper": "is no longer upper-cased: text that differs only in case now compares unequal",
}


def wrapper_removed(change: Change) -> Found | None:
    """``max(0, x)`` -> ``x``, ``re.escape(b)`` -> ``b``, ``xs.copy()`` -> ``xs``."""
    edit = change.single
    if edit is None or edit.pair is None:
        return None
    old, new = edit.pair
    if not isinstance(old, ast.Call) or old.keywords:
        return None
    func = change.code(old.func)
    what = qc(change, new)
    if func in ("max", "min") and len(old.args) == 2 and any(same(a, new) for a in old.args):
        bound = next(a for a in old.args if not same(a, new))
        sentence = _clamp(change, edit, func, bound, what)
        return "clamp-removed", sentence, (change.code(old), change.code(new))
    if len(old.args) == 1 and same(old.args[0], new):
        if func in _PLAIN:
            return "wrapper-removed", f"{what} {_PLAIN[func]}.", (change.code(old), change.code(new))
        if func in _COPIES:
            return _no_copy(change, edit, what, old, new)
    if isinstance(old.func, ast.Attribute) and not old.args and same(old.func.value, new):
        if old.func.attr == "copy":
            return _no_copy(change, edit, what, old, new)
        if old.func.attr in _METHODS:
            return "wrapper-removed", f"{what} {_METHODS[old.func.attr]}.", (change.code(old), change.code(new))
    return None


def _clamp(change: Change, edit: Edit, func: str, bound: ast.expr, what: str) -> str:
    limit = qc(change, bound)
    zero = isinstance(bound, ast.Constant) and bound.value == 0
    if func == "max":
        passes = f"a negative {what}" if zero else f"a value below {limit}"
        sentence = f"{what} is no longer kept at {limit} or above: {passes} now passes through as it is"
    else:
        passes = f"a positive {what}" if zero else f"a value above {limit}"
        sentence = f"{what} is no longer capped at {limit}: {passes} now passes through as it is"
    parent = edit.new_parents[-1] if edit.new_parents else None
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "range" and \
            len(parent.args) == 3 and parent.args[2] is edit.new[0] and func == "max" and \
            isinstance(bound, ast.Constant) and bound.value == 1:
        sentence += ", and `range()` raises `ValueError` for a step of `0`"
    return sentence + "."


def _no_copy(change: Change, edit: Edit, what: str, old: ast.AST, new: ast.AST) -> Found:
    parent = edit.old_parents[-1] if edit.old_parents else None
    if isinstance(parent, ast.For | ast.comprehension) and parent.iter is old:
        sentence = (f"The loop now goes over {what} itself, not a copy: anything that changes {what} while it runs "
                    "changes what the loop visits.")
    else:
        sentence = f"{what} itself is now used, not a copy: a change made to one now shows in the other."
    return "copy-removed", sentence, (change.code(old), change.code(new))


def operands_reversed(change: Change) -> Found | None:
    """``prefix + name`` -> ``name + prefix`` (strings, lists); ``a - b`` -> ``b - a``."""
    holder = _one_holder(change)
    edit = change.single
    if edit is not None and edit.pair and isinstance(edit.pair[0], ast.BinOp):
        holder = edit.pair
    if holder is None:
        return None
    old, new = holder
    if not (isinstance(old, ast.BinOp) and isinstance(new, ast.BinOp) and type(old.op) is type(new.op)
            and same(old.left, new.right) and same(old.right, new.left) and not same(old.left, old.right)):
        return None
    if isinstance(old.op, ast.Add) and any(_sequence(x) for x in (old.left, old.right)):
        sentence = (f"{qc(change, new.left)} now comes first and {qc(change, new.right)} second: the two are "
                    "joined the other way round.")
        return "concatenation-reversed", sentence, (change.code(old), change.code(new))
    if isinstance(old.op, ast.Sub):
        sentence = f"{qc(change, new)} is now computed instead of {qc(change, old)}: for numbers, the sign flips."
        return "operands-reversed", sentence, (change.code(old), change.code(new))
    return None


def _sequence(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr | ast.List | ast.Tuple) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str | bytes))
