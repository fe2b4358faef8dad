"""Made-up changes, each with the kind the classifier names and its exact sentence: the rules' tests
and the noise check of tests/test_explain_why.py share them."""

CASES = [
    # bounds
    ("for i in range(1, n):\n    visit(i)", "for i in range(1, n - 1):\n    visit(i)",
     "bound-moved", "`i` no longer reaches `n - 1`: the loop now stops at `n - 2`."),
    ("for i in range(count):\n    visit(i)", "for i in range(count + 1):\n    visit(i)",
     "bound-moved", "`i` now also reaches `count`: before, the loop stopped at `count - 1`."),
    ("for k in range(0, size):\n    pass", "for k in range(1, size):\n    pass",
     "bound-moved", "`k` no longer starts at `0`: it now begins at `1`."),
    ("rows = list(range(2, 9))", "rows = list(range(2, 10))",
     "bound-moved", "The range now also reaches `9`: before, it ended at `8`."),
    ("if size >= limit:\n    flush()", "if size > limit:\n    flush()",
     "bound-moved", "`size == limit` now takes the other branch: `size > limit` is false there, where "
                    "`size >= limit` was true."),
    ("while left < right:\n    step()", "while left <= right:\n    step()",
     "bound-moved", "At `left == right` the loop no longer stops: `left <= right` is true there, where "
                    "`left < right` was false."),
    ("if retries > 3:\n    give_up()", "if retries > 5:\n    give_up()",
     "bound-moved", "`3 < retries <= 5` now takes the other branch: `retries > 5` is false there, where "
                    "`retries > 3` was true."),
    ("if lo < hi:\n    swap()", "if lo > hi:\n    swap()",
     "comparison-reversed", "Wherever `lo != hi`, `lo > hi` now gives the opposite of `lo < hi`: those cases take "
                            "the other branch."),
    ("head = items[:n]", "head = items[:n - 1]",
     "bound-moved", "The slice now stops one item earlier: `items[n - 1]` is left out."),
    ("tail = items[2:]", "tail = items[1:]",
     "bound-moved", "The slice now starts one item earlier: it also includes `items[1]`."),
    ("for x in queue[skip:]:\n    send(x)", "for x in queue:\n    send(x)",
     "slice-dropped", "The loop now also visits the items before index `skip` (`queue[:skip]`), which it skipped "
                      "before."),
    ("row = [1] + (width - 2) * [0] + [1]", "row = [1] + (width - 1) * [0] + [1]",
     "count-changed", "`[0]` is now repeated `width - 1` times, not `width - 2`: the list gets one more `0`."),
    # conditions
    ("def first(items):\n    if not items:\n        return None\n    return items[0]",
     "def first(items):\n    return items[0]",
     "guard-removed", "An empty (or false) `items` now reaches the code below instead of returning `None`."),
    ("if amount < 0:\n    raise ValueError(amount)\ntotal += amount", "total += amount",
     "guard-removed", "A case where `amount < 0` now reaches the code below instead of raising `ValueError`."),
    ("if isinstance(raw, bytes):\n    raw = raw.decode()\nprint(raw)", "print(raw)",
     "conditional-step-removed", "When `isinstance(raw, bytes)`, `raw` is no longer set to `raw.decode()`: it stays "
                                 "as it was."),
    ("for part in parts:\n    if part != '':\n        out.append(part)\n    n += 1",
     "for part in parts:\n    out.append(part)\n    n += 1",
     "condition-removed", "The body of `if part != '':` now runs also when `part == ''`."),
    ("if mode == 'r':\n    a()\nelif mode == 'w':\n    b()\nelse:\n    c()",
     "if mode == 'r':\n    a()\nelse:\n    c()",
     "branch-removed", "When `mode == 'w'` (and no branch above applies), `b()` no longer runs: it now takes the "
                       "`else` branch (`c()`)."),
    ("if key is None:\n    key = make()\nelif key in seen:\n    skip()",
     "if key in seen:\n    skip()",
     "branch-removed", "When `key is None`, `key = make()` no longer runs: it now goes on to the test "
                       "`key in seen`."),
    ("if ready:\n    go()\nelse:\n    wait = wait + 1", "if ready:\n    go()",
     "branch-removed", "When none of the branches above applies, `wait = wait + 1` no longer runs: `wait` stays as it "
                       "is."),
    ("if user and user.active:\n    admit(user)", "if user.active:\n    admit(user)",
     "none-check-removed", "A `None` `user` now reaches `user.active`, which raises `AttributeError`."),
    ("if node is None or node.next is None:\n    return 0", "if node.next is None:\n    return 0",
     "none-check-removed", "A `None` `node` now reaches `node.next`, which raises `AttributeError`."),
    ("if strict and tag is not None and name in tag:\n    warn()", "if strict and name in tag:\n    warn()",
     "none-check-removed", "A `None` `tag` can now reach `name in tag`, which raises `TypeError`."),
    ("if opened and not closed:\n    read()", "if opened:\n    read()",
     "condition-weakened", "`read()` now also runs when `closed` is true (the test still needs `opened`)."),
    ("keep = [x for x in xs if x.ok and x.size > 0]", "keep = [x for x in xs if x.ok]",
     "condition-weakened", "An `x` for which `x.size > 0` is false is no longer left out."),
    ("if expired or revoked:\n    return False\nreturn True", "if expired:\n    return False\nreturn True",
     "condition-narrowed", "When `revoked` holds but `expired` does not, `return False` no longer runs: that case "
                           "now reaches the code below."),
    ("if ok:\n    send()", "if ok and online:\n    send()",
     "condition-narrowed", "`send()` no longer runs when `online` is false."),
    ("if ok:\n    send()", "if ok or forced:\n    send()",
     "condition-widened", "`send()` now also runs when `forced` holds."),
    ("if name in tag:\n    warn()", "if tag is not None and name in tag:\n    warn()",
     "none-check-added", "A `None` `tag` no longer reaches `name in tag`, which raised `TypeError`."),
    ("if node.next is None:\n    return 0", "if node is None or node.next is None:\n    return 0",
     "none-check-added", "A `None` `node` no longer reaches `node.next`, which raised `AttributeError`."),
    ("if signed and paid:\n    ship()", "if signed or paid:\n    ship()",
     "and-or-exchanged", "`ship()` now runs when any one of `signed` and `paid` holds, not only when all of them do."),
    ("if cached:\n    reuse()", "if not cached:\n    reuse()",
     "condition-negated", "`reuse()` now runs exactly when `cached` does not hold, and no longer when it does."),
    ("if kind == 'dir':\n    walk()", "if kind != 'dir':\n    walk()",
     "condition-negated", "`walk()` now runs exactly when `kind == 'dir'` does not hold, and no longer when it does."),
    ("if isinstance(value, (int, float)):\n    scale(value)", "if isinstance(value, int):\n    scale(value)",
     "type-dropped", "A `value` that is a `float` but not an `int` no longer passes `isinstance(value, int)`."),
    ("if code in (301, 302, 307):\n    follow()", "if code in (301, 302):\n    follow()",
     "membership-narrowed", "A `code` equal to `307` no longer passes the test `code in (301, 302)`."),
    ("if ext not in ('.py', '.pyi'):\n    skip()", "if ext not in ('.py',):\n    skip()",
     "membership-narrowed", "An `ext` equal to `'.pyi'` now passes the test `ext not in ('.py',)`."),
    ("if hasattr(conf, 'level'):\n    lvl = conf.level\nelse:\n    lvl = 0\nreturn lvl", "return conf.level",
     "hasattr-check-removed", "`conf.level` is now reached without the `hasattr(conf, 'level')` check: where that "
                              "attribute is missing, it raises `AttributeError`."),
    # calls
    ("copy(src, dst)", "copy(dst, src)",
     "arguments-swapped", "`copy` now gets `dst` as its first argument and `src` as its second: the two trade places."),
    ("d = dist[a, b]", "d = dist[b, a]",
     "arguments-swapped", "`dist` is now read at `dist[b, a]`, not `dist[a, b]`: its first and second indices trade "
                          "places."),
    ("parts = re.split(sep, text, flags=re.I)", "parts = re.split(sep, text, re.I)",
     "keyword-made-positional", "`re.I` is no longer passed as `flags`: by position it is now `re.split`'s "
                                "`maxsplit`."),
    ("wait = timedelta(seconds=delay)", "wait = timedelta(delay)",
     "keyword-made-positional", "`delay` is no longer passed as `seconds`: by position it is now `timedelta`'s "
                                "`days`."),
    ("render(page, escape=False)", "render(page, False)",
     "keyword-made-positional", "`False` is no longer passed as `escape`: by position it now fills the second "
                                "parameter of `render`, whatever that is."),
    ("q = parse_qs(raw, keep_blank_values=True)", "q = parse_qs(raw)",
     "keyword-dropped", "`parse_qs` no longer gets `keep_blank_values=True`, so it takes its default `False`: a query "
                        "item with a blank value (such as `a=`) is now left out."),
    ("draw(shape, fill=True)", "draw(shape)",
     "keyword-dropped", "`draw` no longer gets `fill=True`: it now takes whatever default `fill` has."),
    ("score = max(0, score - penalty)", "score = score - penalty",
     "clamp-removed", "`score - penalty` is no longer kept at `0` or above: a negative `score - penalty` now passes "
                      "through as it is."),
    ("for i in range(0, n, max(step, 1)):\n    pass", "for i in range(0, n, step):\n    pass",
     "clamp-removed", "`step` is no longer kept at `1` or above: a value below `1` now passes through as it is, and "
                      "`range()` raises `ValueError` for a step of `0`."),
    ("level = min(level, 9)", "level = level",
     "clamp-removed", "`level` is no longer capped at `9`: a value above `9` now passes through as it is."),
    ("pat = re.compile(re.escape(word) + '$')", "pat = re.compile(word + '$')",
     "wrapper-removed", "`word` is no longer escaped: regular-expression characters in it (such as `.`, `+`, `(`) now "
                        "act as pattern syntax instead of matching themselves."),
    ("for h in self.hooks.copy():\n    h()", "for h in self.hooks:\n    h()",
     "copy-removed", "The loop now goes over `self.hooks` itself, not a copy: anything that changes `self.hooks` while "
                     "it runs changes what the loop visits."),
    ("label = prefix + ':' ", "label = ':' + prefix",
     "concatenation-reversed", "`':'` now comes first and `prefix` second: the two are joined the other way round."),
    ("delta = end - start", "delta = start - end",
     "operands-reversed", "`start - end` is now computed instead of `end - start`: for numbers, the sign flips."),
    # statements
    ("try:\n    data = load(path)\nexcept (OSError, ValueError):\n    data = None",
     "try:\n    data = load(path)\nexcept OSError:\n    data = None",
     "handler-narrowed", "A `ValueError` raised in the `try` is no longer caught here: it now propagates, where the "
                         "handler ran `data = None` before."),
    ("try:\n    v = conv(s)\nexcept (MyError, KeyError):\n    return 0",
     "try:\n    v = conv(s)\nexcept KeyError:\n    return 0",
     "handler-narrowed", "A `MyError` raised in the `try` is no longer caught here (unless it is also a `KeyError`): "
                         "it "
                         "now propagates, where the handler returned `0` before."),
    ("try:\n    f()\nexcept KeyError:\n    pass\nexcept TypeError:\n    log()",
     "try:\n    f()\nexcept KeyError:\n    pass",
     "handler-removed", "A `TypeError` raised in the `try` is no longer caught here: it now propagates, where the "
                        "handler ran `log()` before."),
    ("try:\n    close(h)\nexcept OSError:\n    pass\nnext_one()", "close(h)\nnext_one()",
     "handler-removed", "An `OSError` raised in the `try` is no longer caught here: it now propagates, where the "
                        "handler "
                        "ignored it before."),
    ("for x in xs:\n    total += x", "for x in xs:\n    total = x",
     "accumulation-replaced", "`total = x` now replaces `total` each time it runs: only the last `x` is kept, where "
                              "`total += x` added to it."),
    ("seen = set()\nfor n in todo:\n    if n in seen:\n        continue\n    seen.add(n)\n    expand(n)",
     "seen = set()\nfor n in todo:\n    if n in seen:\n        continue\n    expand(n)",
     "addition-removed", "`seen.add(n)` no longer runs, so `n in seen` no longer becomes true through it: an `n` "
                         "reached again is handled again."),
    ("out = []\nfor w in words:\n    out.append(w)\n    out.append(sep)\nout.append(last)\nreturn out",
     "out = []\nfor w in words:\n    out.append(w)\n    out.append(sep)\nreturn out",
     "addition-removed", "`out` no longer gets `last` added here, so the `out` returned below is missing it."),
    ("while jobs:\n    job = jobs.pop()\n    if job.more:\n        jobs.append(job.next)\n        note(job)",
     "while jobs:\n    job = jobs.pop()\n    if job.more:\n        note(job)",
     "addition-removed", "`job.next` is no longer put on `jobs`, so `jobs.pop()` can no longer return it."),
    ("def stop(self):\n    self.running = False\n    self.log('stop')", "def stop(self):\n    self.log('stop')",
     "assignment-removed", "`self.running` is no longer set to `False` here: it is left as it was."),
    ("best = None\nfor c in cands:\n    if c.ok:\n        best = c\n        log(c)\nreturn best",
     "best = None\nfor c in cands:\n    if c.ok:\n        log(c)\nreturn best",
     "assignment-removed", "`best` no longer changes in the loop: it stays `None`, from `best = None` before it, and "
                           "`return best` returns that."),
    ("def balanced(depth):\n    return depth == 0", "def balanced(depth):\n    return True",
     "return-made-constant", "This `return` now gives `True` whatever `depth == 0` is: where it is false, the "
                             "result is "
                             "now `True` instead of `False`."),
    ("def parts(x):\n    return [x, 1]", "def parts(x):\n    return [1]",
     "element-dropped", "The returned list no longer holds `x`."),
    ("def base(k):\n    return [[]]", "def base(k):\n    return []",
     "element-dropped", "The returned list no longer holds `[]`: it is now empty."),
    ("keys = ('id', 'name')", "keys = ()",
     "element-dropped", "`keys` no longer holds `'id'` and `'name'`: it is now empty."),
    ("def fetch(url, timeout=30):\n    pass", "def fetch(url, timeout=3):\n    pass",
     "default-changed", "A call that leaves out `timeout` now gets `3`, not `30`."),
    ("def fetch(url, *, retries=2):\n    pass", "def fetch(url, *, retries=0):\n    pass",
     "default-changed", "A call that leaves out `retries` now gets `0`, not `2`."),
    ("half = count // 2", "half = count / 2",
     "division-changed", "`count / 2` is no longer rounded down: where `2` does not divide `count`, the result now "
                         "has a "
                         "fraction."),
]
