"""The review's own steps beside the passes: the context each hunk is judged with."""
