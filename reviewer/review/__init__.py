"""The review: the pipeline and its steps (chunk, budget, timing, cache), the passes (passes/), and
the context each hunk is judged with."""
