"""`reviewer calibrate`: the review measured on a repository's own history.

``mine`` turns past bug fixes into cases (``files`` says what a path is, ``git`` runs git),
``run`` reviews them once and scores them at every verify threshold from the cache, ``card``
splits them by date and chooses a threshold, ``render`` writes the card, ``config_write``
keeps the chosen threshold in the config file.
"""
